// Who to tell about a large change: ~500 files spread over the kernel tree
// answered natively (MAINTAINERS parsed each time, as get_maintainer.pl
// does) against scripts/get_maintainer.pl run once with all of them, in the
// same run. Needs an extracted kernel tree: CULPRIT_LINUX_SRC, or
// /tmp/linux-6.1 (tar -xJf /usr/src/linux-source-6.1.tar.xz).
#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "maintainers/lookup.h"
#include "util/process.h"
#include "util/text.h"

namespace {

namespace fs = std::filesystem;
using culprit::maintainers::MaintainersDatabase;

constexpr std::size_t kFiles = 500;

fs::path kernel_tree() {
  const char* env = std::getenv("CULPRIT_LINUX_SRC");
  return env && *env ? fs::path(env) : fs::path("/tmp/linux-6.1");
}

std::vector<std::string> spread_files(const fs::path& tree) {
  std::vector<std::string> all;
  for (auto it = fs::recursive_directory_iterator(tree); it != fs::recursive_directory_iterator();
       ++it)
    if (it->is_regular_file()) all.push_back(fs::relative(it->path(), tree).generic_string());
  std::sort(all.begin(), all.end());
  std::vector<std::string> out;
  std::size_t step = std::max<std::size_t>(1, all.size() / kFiles);
  for (std::size_t i = step / 3; i < all.size() && out.size() < kFiles; i += step)
    out.push_back(all[i]);
  return out;
}

struct Input {
  fs::path tree;
  std::vector<std::string> files;
  std::string maintainers, mailmap;
};

const Input& input() {
  static const Input in = [] {
    Input i;
    i.tree = kernel_tree();
    i.files = spread_files(i.tree);
    i.maintainers = culprit::read_file(i.tree / "MAINTAINERS");
    i.mailmap = culprit::read_file(i.tree / ".mailmap");
    return i;
  }();
  return in;
}

std::size_t native_answer() {
  const Input& in = input();
  MaintainersDatabase db(in.maintainers, in.mailmap,
                         culprit::maintainers::source_tree_on_disk(in.tree));
  return db.lookup(in.files).size();
}

std::size_t perl_answer() {
  const Input& in = input();
  std::string cmd = "perl scripts/get_maintainer.pl --nogit --nogit-fallback --no-rolestats -f";
  for (const auto& f : in.files) cmd += " " + culprit::shell_quote(f);
  culprit::ProcessOptions o;
  o.cwd = in.tree;
  o.timeout_seconds = 600;
  auto r = culprit::run_shell(cmd + " 2>/dev/null", o);
  return culprit::split_lines(r.output).size();
}

void BM_Native(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(native_answer());
  state.counters["files"] = static_cast<double>(input().files.size());
}
BENCHMARK(BM_Native)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_NativeLookupOnly(benchmark::State& state) {
  const Input& in = input();
  MaintainersDatabase db(in.maintainers, in.mailmap,
                         culprit::maintainers::source_tree_on_disk(in.tree));
  for (auto _ : state) benchmark::DoNotOptimize(db.lookup(in.files).size());
}
BENCHMARK(BM_NativeLookupOnly)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_GetMaintainerPl(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(perl_answer());
}
BENCHMARK(BM_GetMaintainerPl)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(3);

double median_seconds(std::size_t (*f)(), int runs) {
  std::vector<double> t;
  for (int i = 0; i < runs; ++i) {
    auto start = std::chrono::steady_clock::now();
    benchmark::DoNotOptimize(f());
    t.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  }
  std::sort(t.begin(), t.end());
  return t[t.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  if (!fs::exists(kernel_tree() / "scripts/get_maintainer.pl")) {
    std::printf("maintainers_bench: no kernel tree at %s (set CULPRIT_LINUX_SRC or extract %s)\n",
                kernel_tree().c_str(), "/usr/src/linux-source-6.1.tar.xz");
    return 0;
  }
  input();  // listing the tree is not part of any answer
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  double native = median_seconds(native_answer, 7), perl = median_seconds(perl_answer, 3);
  std::printf("%zu files: culprit %.1f ms, get_maintainer.pl %.1f ms (median), speed-up %.1fx\n",
              input().files.size(), native * 1e3, perl * 1e3, perl / native);
  benchmark::Shutdown();
  return 0;
}
