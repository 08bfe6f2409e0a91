// Writes schemas/golden/v<version>_<type>.bin from GoldenEvents(). Run once
// per new schema version; never overwrite an existing file.
#include <filesystem>
#include <fstream>
#include <iostream>

#include "schemas/event_codec.h"
#include "schemas/golden_events.h"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: cityid_write_golden DIR\n";
    return 2;
  }
  for (const cityid::Event& e : cityid::GoldenEvents()) {
    std::string name = std::string(e.type());
    for (char& c : name)
      if (c == '.') c = '_';
    auto path = std::filesystem::path(argv[1]) /
                ("v" + std::to_string(e.schema_version) + "_" + name + ".bin");
    if (std::filesystem::exists(path)) continue;
    std::ofstream(path, std::ios::binary) << cityid::EncodeEvent(e);
    std::cout << "wrote " << path << "\n";
  }
}
