"""This project's coarse SOC 2018 major group -> ISCO-08 sub-major groups crosswalk (moved out of
coder.py in v7 to keep that module under 400 lines; `coder.SOC_MAJOR_TO_ISCO` still names it) and,
since v8, SOC major group -> ISCO-08 minor groups (3 digits). Pure."""

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


# v8: the ISCO-08 minor groups (3 digits) where the occupations of each SOC 2018 major group sit,
# written by hand from the two classifications' group definitions (no labelled title read). The
# ESCO pick of a titled posting must sit in one of them: the 2-digit map above admits ISCO 13
# for SOC 15, so "Java Developer" (15-1252) got ESCO "property developer" (ISCO 1323), which
# the learned crosswalk also codes 15-1252 ("developer").
SOC_MAJOR_TO_ISCO3: dict[str, frozenset[str]] = {
    k: frozenset(v.split())
    for k, v in {
        "11": "111 112 121 122 131 132 133 134 141 142 143",
        "13": "241 242 243 331 332 333 335",
        "15": "212 251 252 351 352",
        "17": "214 215 216 311 313 315",
        "19": "211 213 216 226 263 311 314 325",
        "21": "226 235 263 325 341",
        "23": "261 334 341",
        "25": "231 232 233 234 235 262 343 441 531",
        "27": "216 243 264 265 342 343 352 731",
        "29": "221 222 223 225 226 321 322 323 324 325",
        "31": "321 322 324 325 514 532",
        "33": "335 541 011 021 031",
        "35": "343 512 513 524 941",
        "37": "515 611 754 911 912 921 962",
        "39": "342 343 511 514 516 531 532 962",
        "41": "243 332 333 521 522 523 524 952",
        "43": "333 334 411 412 413 421 422 431 432 441",
        "45": "314 611 612 613 621 622 921",
        "47": "311 312 711 712 713 721 741 811 834 931",
        "49": "311 312 721 722 723 731 741 742",
        "51": "312 313 721 722 731 732 751 752 753 754 811 812 813 814 815 816 817 818 821 932",
        "53": "315 511 831 832 833 834 835 912 933 961 962",
        "55": "011 021 031",
    }.items()
}
