// SPDX-License-Identifier: Apache-2.0
// The directory a run writes its files into (results, reports, comparisons). clustersim is often
// run as root, so it never removes what it did not write: it keeps a list of the files it wrote
// there (`.clustersim-files`) and replaces or removes only those. A directory that is neither
// empty nor recognisably clustersim's is refused before the run starts, not after it.
#pragma once

#include <filesystem>
#include <map>
#include <string>

namespace clustersim {

/// How a publish treats the files an earlier run left in the directory.
enum class Publish {
  replace_run,  ///< a new run: the earlier run's files that this one does not write are removed
  add_files,    ///< more files of the same run (a report beside its results): the others stay
};

class OutputDir {
 public:
  /// Checks that `path` can take a run's files, before the run starts. `option` names where the
  /// path came from (`--out`, or the scenario's `name`) in the error.
  /// Throws: InputError when `path` exists and is not a directory, or is a non-empty directory
  /// that holds neither clustersim's list of files nor a results.json.
  static OutputDir checked(const std::filesystem::path& path, const std::string& option);

  /// Writes `files` (name -> contents; plain names, no directories) into a fresh staging
  /// directory, then renames each into place, so that a failure leaves the earlier files whole.
  /// Throws: std::runtime_error on I/O failure (the staging directory is removed).
  void publish(const std::map<std::string, std::string>& files, Publish mode = Publish::replace_run) const;

  const std::filesystem::path& path() const { return path_; }

 private:
  explicit OutputDir(std::filesystem::path path) : path_(std::move(path)) {}
  std::filesystem::path path_;
};

/// A directory made fresh under `parent` (mkdtemp: never an existing one) and removed with its
/// contents when the scope ends, however it ends.
class ScratchDir {
 public:
  ScratchDir(const std::filesystem::path& parent, const std::string& prefix);
  ~ScratchDir();
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

/// One plain path component: not empty, `.` or `..`, no `/`, no control character.
bool is_plain_file_name(const std::string& name);

/// The default output directory of a run: `results/<name>`.
/// Throws: InputError when `name` is not one plain path component (empty, `.`, `..`, a `/`, a
/// control character), which could put the results outside `results/`.
std::filesystem::path default_output_dir(const std::string& name, const std::string& suffix = {});

}  // namespace clustersim
