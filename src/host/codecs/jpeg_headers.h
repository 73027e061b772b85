/* JPEG baseline (ITU-T T.81) interchange format rebuilt from VA's
 * parameters: VA gives the entropy-coded scans and the contents of the
 * marker segments around them. */
#ifndef VIVAC_HOST_CODECS_JPEG_HEADERS_H
#define VIVAC_HOST_CODECS_JPEG_HEADERS_H

#include <stddef.h>
#include <stdint.h>

#include "vivac/protocol.h"

struct vh_picture;

/* What a decoder of one VA stream remembers between pictures: the tables
 * loaded so far (load flags: loaded at least once). Zeroed: none. */
struct vh_jpeg_state {
    struct vw_jpeg_tables tables;
};

/* Takes the picture's table block (NULL: none sent) into the state. */
void vh_jpeg_state_update(struct vh_jpeg_state *st, const struct vw_jpeg_tables *tables);

/* One VA picture's packet (both engines' input): SOI; a DQT segment for
 * each quantiser table a component uses; SOF0 (8-bit, the picture's size
 * and components); a DHT segment for each Huffman table a scan uses (DC
 * Tc=0, then AC Tc=1, Th = the table's index); then for each slice a
 * DRI (only when its restart_interval or the previous slice's is not 0),
 * SOS (Ss 0, Se 63, Ah Al 0) and its scan data; EOI.
 * packet_size returns 0 when a table used was never loaded, else the
 * size, and leaves `st` as it is; packet_write, for the same picture
 * right after it, takes the picture's tables into `st` and writes exactly
 * that many bytes. */
size_t vh_jpeg_packet_size(const struct vh_picture *pic, const struct vh_jpeg_state *st);
void vh_jpeg_packet_write(const struct vh_picture *pic, struct vh_jpeg_state *st, uint8_t *out);

#endif
