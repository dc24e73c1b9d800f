"""Compiler options for staticship's own code, shared like abseil's copts.

Third-party code gets none of these: it is built with the flags its own
authors chose, and its warnings are not ours to fail on.
"""

STATICSHIP_COPTS = [
    "-Wall",
    "-Wextra",
    "-Werror",
]

STATICSHIP_TEST_COPTS = STATICSHIP_COPTS + [
    # gtest's macros expand to sign comparisons we do not control.
    "-Wno-sign-compare",
]
