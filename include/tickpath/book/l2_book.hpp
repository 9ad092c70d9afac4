#pragma once
// The production L2 book, and the names of the designs it was chosen from.
//
// Why the flat window: it was the fastest on every stream, by a margin far above the noise.
// ns per delta, best of 10 (bench/book/README.md has medians, spreads and the command):
//
//   stream                                     FlatBook  SortedVectorBook  MapBook (std::map)
//   generated, 2021 shape, 300 levels/side       10.6          34.5             58.4
//   generated, 2021 shape, 2000 levels/side      12.6          35.4             62.8
//   2021 capture replay (7 014 deltas)            3.6          15.0             30.7
//
// An update inside the window is an array store and a bit flip; the sorted vector pays a search
// (a walk near the top, a binary search deeper) and a memmove proportional to the rank, the map a
// tree walk and a node allocation. The flat design costs memory (a 4096-tick window is 32 KiB of
// lots per side) and needs the overflow for far levels, which is the sorted vector: that is why
// SortedVectorSide stays, as FlatSide's building block and as the design for instruments whose
// books are too sparse for a window (every delta far from the top). MapBook (map_side.hpp) is the
// reference peer for tests and benchmarks.

#include "tickpath/book/basic_l2_book.hpp"
#include "tickpath/book/flat_side.hpp"
#include "tickpath/book/sorted_vector_side.hpp"

namespace tickpath::book {

using FlatBook = BasicL2Book<FlatSide>;
using SortedVectorBook = BasicL2Book<SortedVectorSide>;

// The book the market-data session keeps per instrument.
using L2Book = FlatBook;

}  // namespace tickpath::book
