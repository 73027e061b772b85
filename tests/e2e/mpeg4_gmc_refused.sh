#!/usr/bin/env bash
# MPEG-4 Part 2 with sprites (Xvid's global motion compensation) is refused,
# not decoded wrong: ffmpeg decoding the clip through vivac sees the
# decode fail with the daemon's reason (sprite_enable), the daemon keeps
# running, and no picture was decoded.
# Usage: mpeg4_gmc_refused.sh CLIP_GMC
source "$(dirname "$0")/lib.sh"
clip=${1:?usage: mpeg4_gmc_refused.sh CLIP_GMC}
need ffmpeg
[ -s "$clip" ] || { echo "missing clip $clip (run tests/corpus/make_corpus.sh)"; exit 1; }
ensure_display
start_daemon --engine sw
use_vivac_driver

if vivac_framemd5 "$clip" >"$e2e_tmp/got.md5" 2>"$e2e_tmp/ffmpeg.log"; then
    echo "FAIL: ffmpeg reported no error for a GMC clip"; exit 1
fi
grep -m1 "sprite_enable 2: sprites (static, GMC) are not supported" "$e2e_tmp/ffmpeg.log" ||
    { cat "$e2e_tmp/ffmpeg.log"; echo "FAIL: the daemon's reason was not logged by the driver"; exit 1; }
[ ! -s "$e2e_tmp/got.md5" ] ||
    { echo "FAIL: $(wc -l <"$e2e_tmp/got.md5") pictures came out of a refused stream"; exit 1; }
daemon_alive || { echo "FAIL: vivacd died"; exit 1; }
stop_daemon
echo "ok: MPEG-4 GMC (sprite) clip refused with its reason"
