#!/usr/bin/env python3
"""Writes PTX text as a C string constant: ptx_to_c.py IN.ptx OUT.c NAME."""
import sys

src, out, name = sys.argv[1:4]
with open(src, encoding="ascii") as f:
    lines = f.read().splitlines()
with open(out, "w", encoding="ascii") as f:
    f.write("/* Generated from %s by ptx_to_c.py: do not edit. */\n" % src.split("/")[-1])
    f.write("const char *const %s =\n" % name)
    for line in lines:
        f.write('    "%s\\n"\n' % line.replace("\\", "\\\\").replace('"', '\\"'))
    f.write("    ;\n")
