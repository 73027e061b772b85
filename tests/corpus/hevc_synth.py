#!/usr/bin/env python3
"""Synthetic HEVC streams for what Debian's encoders cannot make: tiles and
long-term reference pictures (x265 has neither, kvazaar is not packaged).

Every coding unit is a 16x16 CTB (CTB = min CB = PCM size, so no
split_cu_flag): I slices hold PCM CUs only, P slices PCM and skip CUs. With
MaxNumMergeCand 1, TMVP off and every inter CU at motion (0,0) refIdx 0,
the one merge candidate of a skip CU is (0,0) refIdx 0 whatever its
neighbours (merge mode, 8.5.3.2), so it copies the co-located block of
RefPicList0[0]. SAO and deblocking are off, so the generator knows every
decoded sample: PCM samples and copies. Entropy coding is a real CABAC
encoder (the informative EncodeDecision / EncodeTerminate / EncodeFlush of
clause 9.3) for the few syntax elements needed.

Usage: hevc_synth.py [--check] [--yuv] OUTDIR
  writes OUTDIR/hevc_tiles.hevc and OUTDIR/hevc_long_term.hevc;
  --check decodes both with ffmpeg and fails unless every frame matches;
  --yuv also writes the expected frames (NAME.yuv, yuv420p).
Section numbers are those of ITU-T H.265. Output is deterministic.
"""
import os
import subprocess
import sys
from types import SimpleNamespace as NS

CTB = 16                       # CtbSizeY = MinCbSizeY = PCM CU size
IDR_W_RADL, TRAIL_R, VPS, SPS, PPS = 19, 1, 32, 33, 34
P_SLICE, I_SLICE = 1, 2

# ---- bits (7.2) ---------------------------------------------------------------


class BitWriter:
    def __init__(self):
        self.data, self.cur, self.nbits = bytearray(), 0, 0

    def u(self, n, v):
        assert 0 <= v < (1 << n), (n, v)
        for i in range(n - 1, -1, -1):
            self.cur = (self.cur << 1) | ((v >> i) & 1)
            self.nbits += 1
            if self.nbits == 8:
                self.data.append(self.cur)
                self.cur = self.nbits = 0

    def ue(self, *values):     # ue(v) (9.2), one or more
        for v in values:
            self.u((v + 1).bit_length() - 1, 0)
            self.u((v + 1).bit_length(), v + 1)

    def se(self, *values):     # se(v) (9.2.2)
        self.ue(*(2 * v - 1 if v > 0 else -2 * v for v in values))

    def zero_align(self):
        while self.nbits:
            self.u(1, 0)

    def trailing(self):        # rbsp_trailing_bits() / byte_alignment(), 7.3.2.11-12
        self.u(1, 1)
        self.zero_align()

    def raw(self, b):
        assert self.nbits == 0
        self.data += b


def ceil_log2(n):
    return (n - 1).bit_length()


def escape(rbsp):
    """emulation_prevention_three_byte (7.4.2)."""
    out, zeros = bytearray(), 0
    for b in rbsp:
        if zeros >= 2 and b <= 3:
            out.append(3)
            zeros = 0
        out.append(b)
        zeros = zeros + 1 if b == 0 else 0
    return bytes(out)


def nal(nal_type, rbsp):
    """Annex B byte stream NAL unit (B.2) with its header (7.3.1.2)."""
    return b"\0\0\0\1" + bytes([nal_type << 1, 1]) + escape(rbsp)

# ---- CABAC (9.3.2.2 context init; the informative arithmetic encoder of 9.3) ---


RANGE_LPS = [  # rangeTabLps[pStateIdx][qRangeIdx] (9.3.4.3.2)
    (128, 176, 208, 240), (128, 167, 197, 227), (128, 158, 187, 216), (123, 150, 178, 205),
    (116, 142, 169, 195), (111, 135, 160, 185), (105, 128, 152, 175), (100, 122, 144, 166),
    (95, 116, 137, 158), (90, 110, 130, 150), (85, 104, 123, 142), (81, 99, 117, 135),
    (77, 94, 111, 128), (73, 89, 105, 122), (69, 85, 100, 116), (66, 80, 95, 110),
    (62, 76, 90, 104), (59, 72, 86, 99), (56, 69, 81, 94), (53, 65, 77, 89),
    (51, 62, 73, 85), (48, 59, 69, 80), (46, 56, 66, 76), (43, 53, 63, 72),
    (41, 50, 59, 69), (39, 48, 56, 65), (37, 45, 54, 62), (35, 43, 51, 59),
    (33, 41, 48, 56), (32, 39, 46, 53), (30, 37, 43, 50), (29, 35, 41, 48),
    (27, 33, 39, 45), (26, 31, 37, 43), (24, 30, 35, 41), (23, 28, 33, 39),
    (22, 27, 32, 37), (21, 26, 30, 35), (20, 24, 29, 33), (19, 23, 27, 31),
    (18, 22, 26, 30), (17, 21, 25, 28), (16, 20, 23, 27), (15, 19, 22, 25),
    (14, 18, 21, 24), (14, 17, 20, 23), (13, 16, 19, 22), (12, 15, 18, 21),
    (12, 14, 17, 20), (11, 14, 16, 19), (11, 13, 15, 18), (10, 12, 15, 17),
    (10, 12, 14, 16), (9, 11, 13, 15), (9, 11, 12, 14), (8, 10, 12, 14),
    (8, 9, 11, 13), (7, 9, 11, 12), (7, 9, 10, 12), (7, 8, 10, 11),
    (6, 8, 9, 11), (6, 7, 9, 10), (6, 7, 8, 9), (2, 2, 2, 2)]
TRANS_LPS = [  # transIdxLps[pStateIdx] (9.3.4.3.2.2); transIdxMps is min(s + 1, 62)
    0, 0, 1, 2, 2, 4, 4, 5, 6, 7, 8, 9, 9, 11, 11, 12, 13, 13, 15, 15, 16, 16, 18, 18,
    19, 19, 21, 21, 22, 22, 23, 24, 24, 25, 26, 26, 27, 27, 28, 29, 29, 30, 30, 30, 31, 32,
    32, 33, 33, 33, 34, 34, 35, 35, 35, 36, 36, 36, 37, 37, 37, 38, 38, 63]
# initValue of the context variables used (9.3.2.2): initType 0 for I slices,
# 1 for P slices (cabac_init_flag 0).
INIT_VALUES = {I_SLICE: {"part_mode": [184]},
               P_SLICE: {"cu_skip_flag": [197, 185, 201], "pred_mode_flag": [149],
                         "part_mode": [154]}}


def init_contexts(slice_type, qp=26):
    """9.3.2.2: [pStateIdx, valMps] of each context from initValue and SliceQpY."""
    ctx = {}
    for name, values in INIT_VALUES[slice_type].items():
        ctx[name] = []
        for v in values:
            m, n = (v >> 4) * 5 - 45, ((v & 15) << 3) - 16
            pre = min(max(1, ((m * qp) >> 4) + n), 126)
            ctx[name].append([pre - 64, 1] if pre > 63 else [63 - pre, 0])
    return ctx


class Cabac:
    """The informative CABAC arithmetic encoder (9.3), writing into a BitWriter."""

    def __init__(self, w):
        self.w = w
        self.start()

    def start(self):           # InitEncoder; again after pcm_sample() (9.3.2.5)
        self.low, self.range, self.first, self.outstanding = 0, 510, True, 0

    def _put(self, b):         # PutBit
        if self.first:
            self.first = False
        else:
            self.w.u(1, b)
        while self.outstanding:
            self.w.u(1, 1 - b)
            self.outstanding -= 1

    def _renorm(self):         # RenormE
        while self.range < 256:
            if self.low < 256:
                self._put(0)
            elif self.low >= 512:
                self.low -= 512
                self._put(1)
            else:
                self.low -= 256
                self.outstanding += 1
            self.range <<= 1
            self.low <<= 1

    def decision(self, ctx, b):  # EncodeDecision
        state, mps = ctx
        lps = RANGE_LPS[state][(self.range >> 6) & 3]
        self.range -= lps
        if b != mps:
            self.low += self.range
            self.range = lps
            if state == 0:
                ctx[1] = 1 - mps
            ctx[0] = TRANS_LPS[state]
        else:
            ctx[0] = min(state + 1, 62)
        self._renorm()

    def terminate(self, b):    # EncodeTerminate, with EncodeFlush when b is 1
        self.range -= 2
        if not b:
            self._renorm()
            return
        self.low += self.range
        self.range = 2
        self._renorm()
        self._put((self.low >> 9) & 1)
        # The final 1 is the last bit the decoder reads: the rbsp_stop_one_bit,
        # the alignment_bit_equal_to_one, or the bit before pcm_alignment_zero_bit.
        self.w.u(2, ((self.low >> 7) & 3) | 1)

# ---- picture content ----------------------------------------------------------


def mix(*vals):
    """A small deterministic hash (FNV-1a over the values, then a finaliser)."""
    h = 2166136261
    for v in vals:
        h = ((h ^ (v & 0xffffffff)) * 16777619) & 0xffffffff
    h ^= h >> 15
    return (h * 0x2c1b3c6d) & 0xffffffff


def pcm_block(seed):
    """Luma 16x16 then Cb 8x8 and Cr 8x8 of one PCM CU, in pcm_sample() order
    (7.3.8.7): one of four patterns. Pattern 2 is mostly zero bytes, so the
    NAL units get emulation prevention bytes inside the tile substreams."""
    kind, a, b, c = seed & 3, (seed >> 2) & 255, (seed >> 10) & 255, (seed >> 18) & 7
    n = CTB
    if kind == 0:    # ramp
        y = [(a + x * (c + 1) + r * (8 - c)) & 255 for r in range(n) for x in range(n)]
    elif kind == 1:  # checkerboard
        y = [a if ((x >> (c & 3)) + (r >> (c & 3))) & 1 else b
             for r in range(n) for x in range(n)]
    elif kind == 2:  # black with a diagonal
        y = [a if x == r else 0 for r in range(n) for x in range(n)]
    else:            # rings
        y = [(a + ((x - 8) ** 2 + (r - 8) ** 2) * (c + 1)) & 255
             for r in range(n) for x in range(n)]
    h = n // 2
    if kind == 2:
        uv = [0] * (2 * h * h)
    else:
        uv = [(b + 9 * x) & 255 for r in range(h) for x in range(h)]
        uv += [(a + 7 * r + x) & 255 for r in range(h) for x in range(h)]
    return bytes(y + uv)


def ctb_rows(width, rs):
    """(plane, offset, length) of each sample row of CTB rs, in pcm_sample() order."""
    wc = width // CTB
    for c in range(3):
        sub = 1 if c == 0 else 2
        n, w = CTB // sub, width // sub
        x0, y0 = rs % wc * n, rs // wc * n
        for r in range(n):
            yield c, (y0 + r) * w + x0, n


def put_block(planes, width, rs, block):
    """Stores a pcm_block() at CTB rs of a picture (three bytearrays)."""
    i = 0
    for c, o, n in ctb_rows(width, rs):
        planes[c][o:o + n] = block[i:i + n]
        i += n


def copy_block(planes, ref, width, rs):
    """A skip CU: the co-located block of the reference, motion (0,0)."""
    for c, o, n in ctb_rows(width, rs):
        planes[c][o:o + n] = ref[c][o:o + n]


# ---- parameter sets (7.3.2) ---------------------------------------------------


def profile_tier_level(w, level_idc):  # 7.3.3: Main profile, no sub-layers
    w.u(8, 1)                  # general_profile_space, _tier_flag, _profile_idc: Main
    w.u(32, 0x60000000)        # general_profile_compatibility_flag[1] (Main), [2] (Main 10)
    w.u(4, 0b1001)             # progressive, interlaced, non_packed, frame_only
    w.u(44, 0)                 # general_reserved_zero_43bits, general_inbld_flag
    w.u(8, level_idc)


def vps_rbsp(s):               # 7.3.2.1
    w = BitWriter()
    w.u(4, 0)                  # vps_video_parameter_set_id
    w.u(2, 3)                  # vps_base_layer_internal_flag, _available_flag
    w.u(9, 0)                  # vps_max_layers_minus1, vps_max_sub_layers_minus1
    w.u(1, 1)                  # vps_temporal_id_nesting_flag
    w.u(16, 0xffff)            # vps_reserved_0xffff_16bits
    profile_tier_level(w, s.level)
    w.u(1, 1)                  # vps_sub_layer_ordering_info_present_flag
    # vps_max_dec_pic_buffering_minus1, _num_reorder_pics, _latency_increase_plus1
    w.ue(s.dpb - 1, 0, 0)
    w.u(6, 0)                  # vps_max_layer_id
    w.ue(0)                    # vps_num_layer_sets_minus1
    w.u(2, 0)                  # vps_timing_info_present_flag, vps_extension_flag
    w.trailing()
    return w.data


def st_ref_pic_set(w, deltas, idx):
    """st_ref_pic_set(idx) (7.3.7) of negative deltas [(delta, used)], nearest first."""
    if idx:
        w.u(1, 0)              # inter_ref_pic_set_prediction_flag
    assert all(d < 0 for d, _ in deltas) and deltas == sorted(deltas, reverse=True)
    w.ue(len(deltas), 0)       # num_negative_pics, num_positive_pics
    prev = 0
    for d, used in deltas:
        w.ue(prev - d - 1)     # delta_poc_s0_minus1
        w.u(1, used)           # used_by_curr_pic_s0_flag
        prev = d


def sps_rbsp(s):               # 7.3.2.2
    w = BitWriter()
    w.u(4, 0)                  # sps_video_parameter_set_id
    w.u(3, 0)                  # sps_max_sub_layers_minus1
    w.u(1, 1)                  # sps_temporal_id_nesting_flag
    profile_tier_level(w, s.level)
    w.ue(0, 1)                 # sps_seq_parameter_set_id, chroma_format_idc: 4:2:0
    w.ue(s.width, s.height)    # pic_width_in_luma_samples, pic_height_in_luma_samples
    w.u(1, 0)                  # conformance_window_flag
    w.ue(0, 0)                 # bit_depth_luma_minus8, bit_depth_chroma_minus8
    w.ue(s.poc_bits - 4)       # log2_max_pic_order_cnt_lsb_minus4
    w.u(1, 1)                  # sps_sub_layer_ordering_info_present_flag
    # sps_max_dec_pic_buffering_minus1, _num_reorder_pics, _latency_increase_plus1
    w.ue(s.dpb - 1, 0, 0)
    # log2_min_luma_coding_block_size_minus3 (16), log2_diff_max_min_luma_coding_block_size
    # (CTB 16), log2_min_luma_transform_block_size_minus2 (4),
    # log2_diff_max_min_luma_transform_block_size (16), max_transform_hierarchy_depth_inter,
    # max_transform_hierarchy_depth_intra
    w.ue(1, 0, 0, 2, 0, 0)
    w.u(3, 0)                  # scaling_list_enabled, amp_enabled, sample_adaptive_offset_enabled
    w.u(1, 1)                  # pcm_enabled_flag
    w.u(8, 0x77)               # pcm_sample_bit_depth_luma_minus1, _chroma_minus1: 8 bits
    # log2_min_pcm_luma_coding_block_size_minus3 (16), log2_diff_max_min_pcm_luma_coding_block_size
    w.ue(1, 0)
    w.u(1, 1)                  # pcm_loop_filter_disabled_flag
    w.ue(len(s.st_rps))        # num_short_term_ref_pic_sets
    for i, deltas in enumerate(s.st_rps):
        st_ref_pic_set(w, deltas, i)
    w.u(1, s.lt_sps is not None)  # long_term_ref_pics_present_flag
    if s.lt_sps is not None:
        w.ue(len(s.lt_sps))    # num_long_term_ref_pics_sps
        for lsb, used in s.lt_sps:
            w.u(s.poc_bits, lsb)  # lt_ref_pic_poc_lsb_sps
            w.u(1, used)       # used_by_curr_pic_lt_sps_flag
    w.u(2, 0)                  # sps_temporal_mvp_enabled, strong_intra_smoothing_enabled
    w.u(2, 0)                  # vui_parameters_present_flag, sps_extension_present_flag
    w.trailing()
    return w.data


def tile_sizes(n_ctbs, spec):
    """Column widths / row heights in CTBs: explicit, or uniform (6-3, 6-4)."""
    if isinstance(spec, list):
        assert sum(spec) == n_ctbs
        return spec
    return [(i + 1) * n_ctbs // spec - i * n_ctbs // spec for i in range(spec)]


def pps_rbsp(s, p):            # 7.3.2.3
    w = BitWriter()
    w.ue(p.id, 0)              # pps_pic_parameter_set_id, pps_seq_parameter_set_id
    # dependent_slice_segments_enabled, output_flag_present,
    # num_extra_slice_header_bits (3), sign_data_hiding_enabled, cabac_init_present
    w.u(7, 0)
    w.ue(0, 0)                 # num_ref_idx_l0_default_active_minus1, _l1_
    w.se(0)                    # init_qp_minus26
    w.u(3, 0)                  # constrained_intra_pred, transform_skip_enabled, cu_qp_delta_enabled
    w.se(0, 0)                 # pps_cb_qp_offset, pps_cr_qp_offset
    # pps_slice_chroma_qp_offsets_present, weighted_pred, weighted_bipred,
    # transquant_bypass_enabled
    w.u(4, 0)
    w.u(1, p.tiles is not None)  # tiles_enabled_flag
    w.u(1, 0)                  # entropy_coding_sync_enabled_flag
    if p.tiles is not None:
        cols, rows, across = p.tiles
        w.ue(len(tile_sizes(s.width // CTB, cols)) - 1)   # num_tile_columns_minus1
        w.ue(len(tile_sizes(s.height // CTB, rows)) - 1)  # num_tile_rows_minus1
        uniform = not isinstance(cols, list)
        w.u(1, uniform)        # uniform_spacing_flag
        if not uniform:
            for c in cols[:-1]:
                w.ue(c - 1)    # column_width_minus1
            for r in rows[:-1]:
                w.ue(r - 1)    # row_height_minus1
        w.u(1, across)         # loop_filter_across_tiles_enabled_flag
    w.u(1, 0)                  # pps_loop_filter_across_slices_enabled_flag
    w.u(1, 1)                  # deblocking_filter_control_present_flag
    w.u(1, 0)                  # deblocking_filter_override_enabled_flag
    w.u(1, 1)                  # pps_deblocking_filter_disabled_flag
    w.u(2, 0)                  # pps_scaling_list_data_present, lists_modification_present
    w.ue(0)                    # log2_parallel_merge_level_minus2
    w.u(2, 0)                  # slice_segment_header_extension_present, pps_extension_present
    w.trailing()
    return w.data


def tile_layout(s, p):
    """CtbAddrTsToRs and TileId by raster address (6.5.1)."""
    wc, hc = s.width // CTB, s.height // CTB
    cols, rows = [wc], [hc]
    if p.tiles is not None:
        cols, rows = tile_sizes(wc, p.tiles[0]), tile_sizes(hc, p.tiles[1])
        # Main profile (A.3.2): tile columns >= 256 and rows >= 64 samples.
        assert min(cols) * CTB >= 256 and min(rows) * CTB >= 64, (cols, rows)
    ts2rs, tile_id, y0 = [], [0] * (wc * hc), 0
    for ty, rh in enumerate(rows):
        x0 = 0
        for tx, cw in enumerate(cols):
            for y in range(y0, y0 + rh):
                for x in range(x0, x0 + cw):
                    ts2rs.append(y * wc + x)
                    tile_id[y * wc + x] = ty * len(cols) + tx
            x0 += cw
        y0 += rh
    return NS(ts2rs=ts2rs, tile_id=tile_id, wc=wc)

# ---- slices (7.3.6, 7.3.8) ----------------------------------------------------


def slice_data(pic, lay, slice_of, ts_range, blocks):
    """slice_segment_data(): one substream (bytes) per tile the slice touches."""
    subs, w, skip = [], BitWriter(), {}
    for ts in ts_range:
        rs = lay.ts2rs[ts]
        if ts == ts_range[0] or lay.tile_id[rs] != lay.tile_id[lay.ts2rs[ts - 1]]:
            ctx, cab = init_contexts(pic.type), Cabac(w)  # 9.3.1: slice or tile start
        if pic.type == P_SLICE:
            # ctxInc of cu_skip_flag (9.3.4.2.2): skipped left / above neighbours
            # that are available (6.4.1: in the picture, same slice, same tile).
            inc = 0
            for nb, ok in ((rs - 1, rs % lay.wc > 0), (rs - lay.wc, rs >= lay.wc)):
                if ok and slice_of[nb] == slice_of[rs] and lay.tile_id[nb] == lay.tile_id[rs]:
                    inc += skip[nb]
            skip[rs] = rs not in blocks
            cab.decision(ctx["cu_skip_flag"][inc], skip[rs])
            if not skip[rs]:
                cab.decision(ctx["pred_mode_flag"][0], 1)     # MODE_INTRA
        if rs in blocks:
            cab.decision(ctx["part_mode"][0], 1)  # PART_2Nx2N (log2CbSize == MinCbLog2SizeY)
            cab.terminate(1)                       # pcm_flag
            w.zero_align()                         # pcm_alignment_zero_bit
            w.raw(blocks[rs])                      # pcm_sample()
            cab.start()                            # 9.3.2.5
        last = ts == ts_range[-1]
        cab.terminate(last)                        # end_of_slice_segment_flag
        if last or lay.tile_id[lay.ts2rs[ts + 1]] != lay.tile_id[rs]:
            if not last:
                cab.terminate(1)                   # end_of_subset_one_bit
            w.zero_align()     # byte_alignment() or rbsp_slice_segment_trailing_bits()
            subs.append(bytes(w.data))
            w = BitWriter()
    return subs


def long_term_entries(s, pic, prev_set):
    """The long-term part of a slice header (7.3.6.1) for pic.lt, a list of
    (POC, used_by_curr, how): how 'sps' takes an lt_ref_pic_poc_lsb_sps
    candidate, 'msb' forces delta_poc_msb_present_flag, which is otherwise
    set only where 7.4.7.1 requires it (another POC of setOfPrevPocVals has
    the same LSBs)."""
    m = 1 << s.poc_bits
    n_sps = sum(how == "sps" for _, _, how in pic.lt)
    assert all(how == "sps" for _, _, how in pic.lt[:n_sps]), "SPS candidates come first"
    out, cycle = [], 0
    for i, (poc, used, how) in enumerate(pic.lt):
        lsb = poc % m
        msb = how == "msb" or sum(v % m == lsb for v in prev_set) > 1
        if i in (0, n_sps):
            cycle = 0          # DeltaPocMsbCycleLt restarts (7.4.7.1)
        delta = 0
        if msb:
            total = (pic.poc - pic.poc % m - (poc - lsb)) // m
            delta, cycle = total - cycle, total
            assert delta >= 0, "order long-term pictures by decreasing POC MSBs"
        idx = s.lt_sps.index((lsb, used)) if how == "sps" else None
        out.append((idx, lsb, used, msb, delta))
    return n_sps, out


def slice_header(s, p, pic, first_rs, entry_sizes, lt):
    w = BitWriter()            # slice_segment_header(), 7.3.6.1
    w.u(1, first_rs == 0)      # first_slice_segment_in_pic_flag
    if pic.idr:
        w.u(1, 0)              # no_output_of_prior_pics_flag
    w.ue(p.id)                 # slice_pic_parameter_set_id
    if first_rs:
        w.u(ceil_log2((s.width // CTB) * (s.height // CTB)), first_rs)  # slice_segment_address
    w.ue(pic.type)             # slice_type
    if not pic.idr:
        w.u(s.poc_bits, pic.poc % (1 << s.poc_bits))  # slice_pic_order_cnt_lsb
        w.u(1, isinstance(pic.st, int))  # short_term_ref_pic_set_sps_flag
        if isinstance(pic.st, int):
            if len(s.st_rps) > 1:
                w.u(ceil_log2(len(s.st_rps)), pic.st)  # short_term_ref_pic_set_idx
        else:
            st_ref_pic_set(w, sorted(((q - pic.poc, u) for q, u in pic.st.items()),
                                     reverse=True), len(s.st_rps))
        if s.lt_sps is not None:
            n_sps, entries = lt
            if s.lt_sps:
                w.ue(n_sps)    # num_long_term_sps
            w.ue(len(entries) - n_sps)  # num_long_term_pics
            for idx, lsb, used, msb, delta in entries:
                if idx is not None:
                    if len(s.lt_sps) > 1:
                        w.u(ceil_log2(len(s.lt_sps)), idx)  # lt_idx_sps
                else:
                    w.u(s.poc_bits, lsb)  # poc_lsb_lt
                    w.u(1, used)  # used_by_curr_pic_lt_flag
                w.u(1, msb)    # delta_poc_msb_present_flag
                if msb:
                    w.ue(delta)  # delta_poc_msb_cycle_lt
    if pic.type == P_SLICE:
        w.u(1, 0)              # num_ref_idx_active_override_flag: one reference
        w.ue(4)                # five_minus_max_num_merge_cand: MaxNumMergeCand 1
    w.se(0)                    # slice_qp_delta
    if p.tiles is not None:
        w.ue(len(entry_sizes))  # num_entry_point_offsets
        if entry_sizes:
            bits = max(1, max(n - 1 for n in entry_sizes).bit_length())
            w.ue(bits - 1)     # offset_len_minus1
            for n in entry_sizes:
                w.u(bits, n - 1)  # entry_point_offset_minus1
    w.trailing()               # byte_alignment()
    return w.data

# ---- streams ------------------------------------------------------------------


def encode(s, ppss, pics):
    """Returns the Annex B stream and the expected decoded frames (yuv420p)."""
    out = [nal(VPS, vps_rbsp(s)), nal(SPS, sps_rbsp(s))]
    out += [nal(PPS, pps_rbsp(s, p)) for p in ppss]
    dpb, frames, prev_set, size = {}, [], set(), s.width * s.height
    for pic in pics:
        # Reference picture set (8.3.2): what it does not name leaves the DPB.
        st = {pic.poc + d: u for d, u in s.st_rps[pic.st]} if isinstance(pic.st, int) else pic.st
        lt = long_term_entries(s, pic, prev_set) if s.lt_sps is not None else None
        rps = set(st) | {q for q, _, _ in pic.lt}
        assert rps <= set(dpb), (pic.poc, rps, set(dpb))
        dpb = {q: dpb[q] for q in rps}
        # RefPicList0[0] (8.3.4): StCurrBefore nearest first, then LtCurr in order.
        curr = [q for q in sorted(st, reverse=True) if st[q]] + [q for q, u, _ in pic.lt if u]
        assert (pic.type == P_SLICE) == bool(curr), pic.poc
        planes = [bytearray(size), bytearray(size // 4), bytearray(size // 4)]
        blocks = {}
        for rs in range(size // (CTB * CTB)):
            if pic.type == I_SLICE or pic.pcm(rs):
                blocks[rs] = pcm_block(mix(s.seed, pic.poc, rs))
                put_block(planes, s.width, rs, blocks[rs])
            else:
                copy_block(planes, dpb[curr[0]], s.width, rs)
        p = ppss[pic.pps]
        lay = tile_layout(s, p)
        starts = pic.slices + [len(lay.ts2rs)]
        slice_of = [0] * len(lay.ts2rs)
        for i in range(len(pic.slices)):
            for ts in range(starts[i], starts[i + 1]):
                slice_of[lay.ts2rs[ts]] = i
        for i in range(len(pic.slices)):
            subs = slice_data(pic, lay, slice_of, range(starts[i], starts[i + 1]), blocks)
            esc = [escape(b) for b in subs]  # entry points count escaped bytes (7.4.7.1)
            hdr = slice_header(s, p, pic, lay.ts2rs[starts[i]], [len(e) for e in esc[:-1]], lt)
            unit = nal(IDR_W_RADL if pic.idr else TRAIL_R, hdr + b"".join(subs))
            # Each substream ends in a non-zero byte, so it escapes on its own.
            assert unit.endswith(b"".join(esc)), "substream escaping is not independent"
            out.append(unit)
        dpb[pic.poc] = planes
        frames.append(b"".join(planes))
        prev_set = {pic.poc} | rps   # setOfPrevPocVals of the next picture (7.4.7.1)
    return b"".join(out), frames


def tiles_stream():
    """832x192 (52x12 CTBs, Main profile tile sizes), three tile grids and a
    picture without tiles, one to three slices a picture (slices of whole
    tiles and slices inside one tile), SPS and slice-header RPSs."""
    s = NS(width=832, height=192, level=93, poc_bits=8, dpb=3, seed=1, lt_sps=None,  # 3.1
           st_rps=[[(-1, 1), (-2, 0)],     # RefPicList0[0] = previous picture
                   [(-1, 0), (-2, 1)]])    # RefPicList0[0] = the one before
    ppss = [NS(id=0, tiles=([16, 20, 16], [5, 7], 0)),  # explicit 3x2
            NS(id=1, tiles=(3, 3, 1)),                  # uniform 3x3 (17,17,18 x 4,4,4)
            NS(id=2, tiles=([36, 16], [8, 4], 1)),      # explicit 2x2
            NS(id=3, tiles=None)]

    def pcm(poc):
        return lambda rs: mix(7, poc, rs) % 5 == 0
    pics = [NS(poc=0, idr=True, type=I_SLICE, pps=0, slices=[0], st={}),
            NS(poc=1, idr=False, type=P_SLICE, pps=0, slices=[0, 52 * 5], st={0: 1}),
            NS(poc=2, idr=False, type=P_SLICE, pps=1, slices=[0], st=0),
            NS(poc=3, idr=False, type=P_SLICE, pps=1, slices=[0, 40, 68], st=1),
            NS(poc=4, idr=False, type=P_SLICE, pps=2, slices=[0, 36 * 8], st=0),
            NS(poc=5, idr=False, type=P_SLICE, pps=3, slices=[0, 300], st=1),
            NS(poc=6, idr=False, type=P_SLICE, pps=0, slices=[0, 36 * 5], st=0),
            NS(poc=7, idr=False, type=P_SLICE, pps=1, slices=[0], st=1)]
    for pic in pics:
        pic.pcm, pic.lt = pcm(pic.poc), []
    return s, ppss, pics


# Long-term plan: POC -> (short-term {POC: used_by_curr}, long-term [(POC,
# used_by_curr, how)]); '->' notes RefPicList0[0], what skip CUs copy.
# FFmpeg 5.1 looks a long-term picture up by its POC LSBs first, in DPB slot
# order, the current picture included (hevc_refs.c find_ref_idx): a picture
# sharing the LSBs of a long-term one in an earlier slot breaks its decode.
# This plan has none (--check would tell); mind it when changing the plan.
LONG_TERM_PLAN = {
    1: ({0: 1}, []),
    2: ({1: 1}, [(0, 0, "")]),                 # POC 0 becomes long-term
    3: ({2: 1, 1: 0}, [(0, 1, "")]),           # -> 2: short-term before long-term
    4: ({3: 0, 2: 0}, [(0, 1, "sps")]),        # -> LT 0, an SPS candidate
    5: ({4: 1, 3: 0}, [(0, 0, "")]),           # -> 4
    6: ({4: 1}, [(5, 0, ""), (0, 0, "")]),     # -> 4 (not the previous picture); 5 LT
    7: ({6: 0}, [(5, 1, "sps"), (0, 1, "")]),  # -> LT 5
    8: ({7: 0, 6: 0}, [(0, 1, "sps"), (5, 1, "sps")]),  # -> LT 0: LtCurr in slice order
    10: ({9: 1}, [(0, 0, "msb"), (5, 1, "")]),  # MSBs present though not needed
    12: ({11: 0}, [(5, 1, ""), (0, 0, "")]),   # -> LT 5
    17: ({16: 0}, [(0, 1, ""), (5, 0, "")]),   # -> LT 0 with MSBs: 16 has the same LSBs
    18: ({17: 1, 16: 0}, [(0, 0, ""), (5, 0, "")]),
    19: ({18: 1, 16: 0}, [(0, 0, ""), (5, 0, "")]),
    20: ({19: 1, 16: 0}, [(0, 0, ""), (5, 0, "")]),
    21: ({20: 1, 16: 0}, [(0, 0, ""), (5, 0, "")]),
    22: ({21: 0, 16: 0}, [(5, 1, "sps"), (0, 0, "")]),  # -> LT 5 with MSBs (not 21)
    23: ({22: 0, 16: 0}, [(5, 0, "msb"), (0, 1, "msb")]),  # -> LT 0: MSB cycles add up
    33: ({32: 0}, [(0, 1, ""), (5, 0, "")]),   # -> LT 0, two MSB cycles back (not 32)
    34: ({33: 1}, [(0, 0, "")]),               # LT 5 dropped
    36: ({35: 0}, [(0, 1, "")]),               # -> LT 0
    37: ({36: 1}, []),                         # LT 0 dropped
    50: ({49: 1}, [(48, 0, "")]),              # 48 becomes long-term, no MSBs needed ...
    51: ({50: 0}, [(48, 1, "")]),              # -> LT 48 (... unless 0 were still kept)
    52: ({51: 1}, [(48, 0, "")]),
    53: ({52: 1}, []),
}


def long_term_stream():
    """176x144, MaxPicOrderCntLsb 16, two lt_ref_pic_poc_lsb_sps candidates;
    long-term pictures 0, 5 and 48 (see LONG_TERM_PLAN)."""
    s = NS(width=176, height=144, level=93, poc_bits=4, dpb=6, seed=2, st_rps=[],
           lt_sps=[(0, 1), (5, 1)])
    pics, lt = [NS(poc=0, idr=True, type=I_SLICE, pps=0, slices=[0], st={}, lt=[])], []
    for poc in range(1, max(LONG_TERM_PLAN) + 1):
        # Pictures not in the plan: the previous picture, long-term ones kept unused.
        st, lt = LONG_TERM_PLAN.get(poc, ({poc - 1: 1}, [(q, 0, "") for q, _, _ in lt]))
        pics.append(NS(poc=poc, idr=False, type=P_SLICE, pps=0, st=st, lt=lt,
                       slices=[0, 50] if poc % 4 == 0 else [0],
                       pcm=lambda rs, poc=poc: mix(9, poc, rs) % 6 == 0))
    return s, [NS(id=0, tiles=None)], pics

# ---- check --------------------------------------------------------------------


def check(path, name, s, frames):
    """Decodes with ffmpeg; any message on stderr or differing sample fails."""
    cmd = ["ffmpeg", "-nostdin", "-v", "warning", "-xerror", "-f", "hevc", "-i", path,
           "-f", "rawvideo", "-pix_fmt", "yuv420p", "-"]
    r = subprocess.run(cmd, capture_output=True)
    if r.returncode or r.stderr:
        sys.exit(f"FAIL: {name}: ffmpeg exit {r.returncode}: {r.stderr.decode()[:2000]}")
    size = s.width * s.height * 3 // 2
    if len(r.stdout) != size * len(frames):
        sys.exit(f"FAIL: {name}: {len(r.stdout) / size} frames decoded, {len(frames)} expected")
    luma = s.width * s.height
    for i, f in enumerate(frames):
        got = r.stdout[i * size:(i + 1) * size]
        for plane, a, b, w in ((0, 0, luma, s.width), (1, luma, luma * 5 // 4, s.width // 2),
                               (2, luma * 5 // 4, size, s.width // 2)):
            if got[a:b] != f[a:b]:
                o = next(k for k in range(b - a) if got[a + k] != f[a + k])
                sys.exit(f"FAIL: {name}: frame {i} plane {plane} differs first at "
                         f"x={o % w} y={o // w}")
    print(f"ok: {name}.hevc: {len(frames)} frames match ffmpeg")


def main():
    args = sys.argv[1:]
    opts = {a for a in args if a.startswith("--")}
    dirs = [a for a in args if not a.startswith("--")]
    if len(dirs) != 1 or opts - {"--check", "--yuv"}:
        sys.exit(__doc__)
    os.makedirs(dirs[0], exist_ok=True)
    for name, make in (("hevc_tiles", tiles_stream), ("hevc_long_term", long_term_stream)):
        s, ppss, pics = make()
        stream, frames = encode(s, ppss, pics)
        path = os.path.join(dirs[0], name + ".hevc")
        with open(path + ".tmp", "wb") as f:
            f.write(stream)
        if "--check" in opts:
            check(path + ".tmp", name, s, frames)
        if "--yuv" in opts:
            with open(os.path.join(dirs[0], name + ".yuv"), "wb") as f:
                f.write(b"".join(frames))
        os.replace(path + ".tmp", path)


if __name__ == "__main__":
    main()
