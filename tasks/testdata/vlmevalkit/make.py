#!/usr/bin/python3
"""Writes the TSV files of tasks/tsv_test.go the way VLMEvalKit writes a benchmark.

VLMEvalKit's dump() (vlmeval/smp/file.py) writes a DataFrame with
DataFrame.to_csv(f, sep='\t', index=False, encoding='utf-8', quoting=csv.QUOTE_ALL);
its parquet_to_tsv() and the TSV files it downloads are written with pandas' default quoting
(QUOTE_MINIMAL). Both are made here from the same rows, with pandas (Debian's python3-pandas
1.5.3): run `/usr/bin/python3 make.py` in this directory to write them again.
"""
import base64
import csv
import struct
import zlib

import pandas as pd


def png(r, g, b):
    """A 2x2 PNG of one colour."""
    def chunk(kind, data):
        return struct.pack('>I', len(data)) + kind + data + struct.pack('>I', zlib.crc32(kind + data))
    raw = b''.join(b'\x00' + bytes([r, g, b]) * 2 for _ in range(2))
    return (b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', struct.pack('>IIBBBBB', 2, 2, 8, 2, 0, 0, 0))
            + chunk(b'IDAT', zlib.compress(raw)) + chunk(b'IEND', b''))


red = base64.b64encode(png(255, 0, 0)).decode()
blue = base64.b64encode(png(0, 0, 255)).decode()

rows = [
    # A question with a tab, a quote and a line break in it, and a hint.
    dict(index=0, image=red, question='What colour is "this"?\tLook\nclosely.', hint='A plain square.',
         A='red', B='blue', C='green', D='white', answer='A', category='colour', **{'l2-category': 'perception'}),
    # The same image, stored once: the cell holds the index of the row that has it.
    dict(index=1, image='0', question='Is it warm?', hint=None,
         A='yes', B='no', C=None, D=None, answer='A', category='colour', **{'l2-category': 'reasoning'}),
    # Two images: a Python list, written as str() writes it.
    dict(index=2, image=[red, blue], question="Which one's blue?", hint=None,
         A='the first', B='the second', C=None, D=None, answer='B', category='compare', **{'l2-category': 'perception'}),
    # An option that is a number, and an answer written as a number.
    dict(index=3, image=blue, question='How many squares?', hint=None,
         A='1', B='2', C='3', D=None, answer='A', category='count', **{'l2-category': 'perception'}),
]
data = pd.DataFrame(rows)
data.to_csv('quote_all.tsv', sep='\t', index=False, encoding='utf-8', quoting=csv.QUOTE_ALL)
data.to_csv('quote_minimal.tsv', sep='\t', index=False, encoding='utf-8')
