// RAII owners for libgit2 handles and id conversions, for git/ and the few places outside it that
// still call libgit2 directly (the approval store writes trees and commits; the digest merges
// parents). One set of deleters, so that no code frees a libgit2 handle by hand.
#pragma once

#include <git2.h>

#include <cstring>
#include <memory>

#include "countersign/git/git.h"

namespace cs::git {

// The two spellings of an object id: libgit2's and ours.
inline ObjectId from_oid(const git_oid* oid) {
  ObjectId id;
  std::memcpy(id.bytes.data(), oid->id, 20);
  return id;
}

inline git_oid to_oid(const ObjectId& id) {
  git_oid oid;
  std::memcpy(oid.id, id.bytes.data(), 20);
  return oid;
}

}  // namespace cs::git

namespace cs::git::handles {

template <class T, void (*Free)(T*)>
struct Freer {
  void operator()(T* p) const noexcept { Free(p); }
};

using Blob = std::unique_ptr<git_blob, Freer<git_blob, git_blob_free>>;
using Buf = std::unique_ptr<git_buf, Freer<git_buf, git_buf_dispose>>;
using Commit = std::unique_ptr<git_commit, Freer<git_commit, git_commit_free>>;
using Config = std::unique_ptr<git_config, Freer<git_config, git_config_free>>;
using Diff = std::unique_ptr<git_diff, Freer<git_diff, git_diff_free>>;
using Index = std::unique_ptr<git_index, Freer<git_index, git_index_free>>;
using Note = std::unique_ptr<git_note, Freer<git_note, git_note_free>>;
using NoteIterator = std::unique_ptr<git_note_iterator, Freer<git_note_iterator, git_note_iterator_free>>;
using Object = std::unique_ptr<git_object, Freer<git_object, git_object_free>>;
using Odb = std::unique_ptr<git_odb, Freer<git_odb, git_odb_free>>;
using OdbObject = std::unique_ptr<git_odb_object, Freer<git_odb_object, git_odb_object_free>>;
using Patch = std::unique_ptr<git_patch, Freer<git_patch, git_patch_free>>;
using Reference = std::unique_ptr<git_reference, Freer<git_reference, git_reference_free>>;
using ReferenceIterator = std::unique_ptr<git_reference_iterator, Freer<git_reference_iterator, git_reference_iterator_free>>;
using Signature = std::unique_ptr<git_signature, Freer<git_signature, git_signature_free>>;
using Tree = std::unique_ptr<git_tree, Freer<git_tree, git_tree_free>>;
using TreeBuilder = std::unique_ptr<git_treebuilder, Freer<git_treebuilder, git_treebuilder_free>>;
using TreeEntry = std::unique_ptr<git_tree_entry, Freer<git_tree_entry, git_tree_entry_free>>;

}  // namespace cs::git::handles
