#include "common/diagnostics/symbolizer.h"

#include <cxxabi.h>

#include <cstdlib>

#include "common/base/file.h"

namespace staticship::diagnostics {

std::string Demangle(const std::string& name) {
  if (name.rfind("_Z", 0) != 0) return name;
  int status = 0;
  char* out = abi::__cxa_demangle(name.c_str(), nullptr, nullptr, &status);
  if (status != 0 || out == nullptr) return name;
  std::string demangled(out);
  std::free(out);
  return demangled;
}

Symbolizer Symbolizer::ForThisProcess() {
  Symbolizer s;
  s.objects_ = ListLoadedObjects();
  if (auto maps = ReadSelfMemoryMap(); maps.ok()) {
    for (Mapping& m : *maps) {
      if (m.executable) s.mappings_.push_back(std::move(m));
    }
  }
  const std::string exe = "/proc/self/exe";
  Result<std::string> bytes = ReadWholeFile(exe);
  Result<elf::SymbolTable> table =
      bytes.ok() ? elf::SymbolTable::Parse(*bytes)
                 : Result<elf::SymbolTable>(bytes.error());
  if (table.ok() && !table->empty()) {
    s.symbols_ = std::move(*table);
    s.source_ = "function names from the .symtab of " +
                (s.objects_.empty() ? exe : s.objects_[0].path) + " (" +
                std::to_string(s.symbols_.size()) +
                " functions); other modules as module+vaddr";
  } else {
    s.source_ =
        "no symbol table (" +
        (table.ok() ? std::string("the binary is stripped") : table.message()) +
        "): frames are module+vaddr with build ids; resolve them with "
        "`addr2line -f -C -e <unstripped binary or symbol file> <vaddr>`";
  }
  return s;
}

Frame Symbolizer::Describe(uintptr_t pc) const {
  Frame f;
  f.pc = pc;
  f.vaddr = pc;
  const LoadedObject* object = nullptr;
  for (const LoadedObject& o : objects_) {
    if (pc >= o.text_start && pc < o.text_end) object = &o;
  }
  if (object != nullptr) {
    f.module = object->path;
    f.vaddr = pc - object->load_bias;
    f.build_id = object->build_id;
  } else {
    for (const Mapping& m : mappings_) {
      if (pc >= m.start && pc < m.end) f.module = m.path;
    }
  }
  if (object != nullptr && object->is_main) {
    if (const elf::FunctionSymbol* sym = symbols_.Find(f.vaddr)) {
      f.symbol = sym->name;
      f.function = Demangle(sym->name);
      f.function_offset = f.vaddr - sym->address;
    }
  }
  return f;
}

}  // namespace staticship::diagnostics
