"""The bins of a hot-spot analysis, from -3 (cold spot, 99 %) to 3 (hot spot, 99 %), and
the catalogue key of each bin's label: shared by the result and its map."""

BIN_KEYS = {
    -3: "spatial.bin_cold_99",
    -2: "spatial.bin_cold_95",
    -1: "spatial.bin_cold_90",
    0: "spatial.bin_ns",
    1: "spatial.bin_hot_90",
    2: "spatial.bin_hot_95",
    3: "spatial.bin_hot_99",
}
