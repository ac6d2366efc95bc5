// SPDX-License-Identifier: Apache-2.0
// Nesting depth of DOT and GraphML text, measured before the text reaches Boost: Boost's DOT
// parser recurses once per `{ ... }` and the XML parser under property_tree and read_graphml
// (rapidxml) once per element, so thousands of levels overflow the stack. Each scan follows its
// parser's own lexical rules, so that nothing the parser would read as a brace or an element is
// hidden from the count (a scan that skipped a comment or string the parser does not would let
// nesting through); it stops where the parser would stop with an error.
#pragma once

#include <cstddef>
#include <optional>
#include <string>

namespace clustersim::topo {

/// The offset of the first `{` that Boost 1.74's read_graphviz would open at a depth above
/// `max_depth` (the graph's own body is depth 1), or nothing if it never would.
std::optional<std::size_t> dot_nesting_beyond(const std::string& text, int max_depth);

/// The offset of the `<` of the first element that rapidxml would open at a depth above
/// `max_depth` (the document element is depth 1), or nothing if it never would.
std::optional<std::size_t> xml_nesting_beyond(const std::string& text, int max_depth);

}  // namespace clustersim::topo
