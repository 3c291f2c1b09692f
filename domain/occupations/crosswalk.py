"""This project's coarse SOC 2018 major group -> ISCO-08 sub-major groups crosswalk (moved out of
coder.py in v7 to keep that module under 400 lines; `coder.SOC_MAJOR_TO_ISCO` still names it). Pure."""

from __future__ import annotations

# This project's coarse crosswalk: the ISCO-08 sub-major groups (2 digits) where the occupations of
# each SOC 2018 major group sit. The ESCO occupation of a titled posting is the nearest ESCO label
# among these groups of its SOC code ("registered nurse" is nearer by characters to "registered
# sales assistant" than to any nurse label, but SOC 29 keeps it among ISCO 22 / 32).
SOC_MAJOR_TO_ISCO: dict[str, frozenset[str]] = {
    k: frozenset(v.split())
    for k, v in {
        "11": "11 12 13 14",
        "13": "24 33 12",
        "15": "25 35 21 13",
        "17": "21 31 13",
        "19": "21 22 26 31 32",
        "21": "26 34 23",
        "23": "26 34",
        "25": "23 26 34 53",
        "27": "26 34 21 73",
        "29": "22 32",
        "31": "32 53 51",
        "33": "54 34 01 02 03",
        "35": "51 94 14",
        "37": "51 91 61 92 96",
        "39": "51 53 34",
        "41": "52 33 24",
        "43": "41 42 43 44 33",
        "45": "61 62 63 92",
        "47": "71 81 93 31",
        "49": "72 74 71 31",
        "51": "72 73 74 75 81 82 93 31",
        "53": "83 93 31 96 51",
        "55": "01 02 03",
    }.items()
}
