// The standard headers most of our translation units include, precompiled
// once per target and mode by //toolchains:prelude_pch.bzl and handed to
// every C++ compile of the zig toolchains with -include-pch.
//
// Why these: libc++ 16 in C++20 mode is heavy to parse (<chrono> pulls in
// its formatting and iostreams, <filesystem> its path machinery), and for
// most of our files parsing, not code generation, is most of the compile
// (docs/PERFORMANCE.md, "Precompiled prelude"). Only the standard library
// belongs here: a project header would tie the toolchain to the project,
// and any change to it would rebuild everything.
//
// A header listed here is still included by the files that use it; the
// gcc baseline, which has no prelude, checks that they do.
#include <algorithm>
#include <array>
#include <atomic>
#include <charconv>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <span>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>
