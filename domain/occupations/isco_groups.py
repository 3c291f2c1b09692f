"""v9: the ISCO-08 groups a SOC code's ESCO occupation may sit in, by SOC minor / broad group.

v8 admitted, for the ESCO pick of a titled posting, the ISCO-08 minor groups of the SOC *major*
group (crosswalk.SOC_MAJOR_TO_ISCO3). Where a major group spans several ISCO groups that is too
coarse: SOC 15 admits ISCO 212 (mathematicians) for "QA Engineer" (15-1253), so the pick was ESCO
*gambling quality assurance engineer* (2120); "Java Developer" (15-1252) took ESCO *ICT system
developer* (2511, systems analysts) over *software developer* (2512).

`SOC_GROUP_TO_ISCO` narrows that, written by hand from the two classifications' definitions
(SOC 2018 group titles as O*NET 29.2 occupation_data.txt gives them; ISCO-08 unit groups as
ISCOGroups_en.csv of the ESCO v1.1.1 classification gives them), no labelled title read: each key
is a SOC code prefix -- a minor group 'XX-X' (15-2 Mathematical Science Occupations), a broad
group 'XX-XXX' (15-125 Software and Web Developers, Programmers, and Testers) or, where SOC's
detailed occupations are ISCO's unit groups one for one, a detailed code 'XX-XXXX' -- and each
value the ISCO-08 unit groups (4 digits) or minor groups (3 digits) that hold its occupations.
Where SOC files a client-facing role among managers (O*NET lists Account Manager under 11-2011
and 11-2022) and ISCO-08 among professionals (2431 advertising and marketing, 2433 / 2434 technical
and ICT sales), both are admitted and the title's nearest label decides. A SOC code under no key
keeps v8's major-group table. Pure.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

_TABLE = {
    # 11 Management: 11-1 top executives, 11-2 advertising / marketing / PR / sales managers,
    # 11-3 operations specialties managers, 11-9 other managers
    "11-101": "1120 1112 1114",  # chief executives
    "11-103": "1111",  # legislators
    "11-201": "1222 2431",  # advertising and promotions managers; advertising professionals
    "11-202": "1221 2431 2433 2434",  # marketing / sales managers; sales professionals
    "11-203": "1222 1219 2432",  # public relations and fundraising managers
    "11-301": "1219 1349",  # administrative services and facilities managers
    "11-302": "1330",  # computer and information systems managers: ICT service managers
    "11-303": "1211 1346",  # financial managers
    "11-305": "1321",  # industrial production managers
    "11-306": "1324 1330",  # purchasing managers (ICT acquisition: 1330's definition)
    "11-307": "1324",  # transportation, storage and distribution managers
    "11-311": "1212",  # compensation and benefits managers
    "11-312": "1212",  # human resources managers
    "11-313": "1212 2424",  # training and development managers / professionals
    "11-901": "131",  # farmers, ranchers, agricultural managers
    "11-902": "1323",  # construction managers
    "11-903": "1345 1341",  # education and childcare administrators
    "11-904": "1223 1321 1323 1330",  # architectural and engineering managers
    "11-905": "1412",  # food service managers
    "11-907": "1431 1439",  # entertainment, recreation and gambling managers
    "11-908": "1411",  # lodging managers
    "11-911": "1342 1343",  # medical and health services managers
    "11-912": "1223",  # natural sciences managers: research and development managers
    "11-914": "1219 3334",  # property, real estate and community association managers
    "11-915": "1344 1341",  # social and community service managers
    "11-919": "1213 1219 1349 1439",  # managers, all other: the n.e.c. and planning groups
    # 13 Business and financial operations: 13-1 business operations, 13-2 financial specialists
    "13-101": "3339",  # agents and business managers of artists
    "13-102": "3323 1324",  # buyers and purchasing agents
    "13-103": "3315 3321",  # claims adjusters, examiners, appraisers
    "13-104": "2422 2619 3257 3359",  # compliance officers
    "13-105": "2149 3112",  # cost estimators
    "13-107": "2423 3333",  # human resources workers
    "13-108": "2421 1219",  # logisticians and project management specialists
    "13-111": "2421",  # management analysts
    "13-112": "3332",  # meeting, convention and event planners
    "13-113": "2432 3339",  # fundraisers
    "13-114": "2423",  # compensation, benefits and job analysis specialists
    "13-115": "2424",  # training and development specialists
    "13-116": "2431",  # market research analysts and marketing specialists
    "13-119": "2421 2422 2423 2424 3339",  # business operations specialists, all other
    "13-2": "2411 2412 2413 3311 3312 3313 3315 3352",  # financial specialists
    # 15 Computer and mathematical: 15-12 computer occupations, 15-2 mathematical science
    "15-121": "2511 2529",  # computer systems analysts, information security analysts
    "15-122": "2511 2519",  # computer and information research scientists
    "15-123": "351",  # computer support specialists: ICT operations and user support technicians
    "15-124": "2521 2522 2523 2529",  # database and network administrators and architects
    "15-125": "2512 2513 2514 2519 2166",  # software and web developers, programmers, testers
    "15-1251": "2514",  # computer programmers: applications programmers
    "15-1252": "2512",  # software developers
    "15-1253": "2519",  # software quality assurance analysts and testers
    "15-1254": "2513 3514",  # web developers
    "15-1255": "2166 2513",  # web and digital interface designers
    "15-129": "251 252 351",  # computer occupations, all other
    "15-2": "2120 2511 2421 3314",  # actuaries, mathematicians, OR analysts, statisticians, data
    # 17 Architecture and engineering
    "17-1": "216 3112 3118",  # architects, surveyors, cartographers
    "17-2": "214 215 2165",  # engineers
    "17-3": "311 3118",  # drafters, engineering and mapping technicians
    # 27 Arts, design, entertainment, sports and media
    "27-1": "216 265 343",  # art and design workers
    "27-2": "265 342 3332",  # entertainers and performers, sports, producers
    "27-3": "264 2432 3521",  # media and communication workers
    "27-4": "352 343",  # media and communication equipment workers
    # 41 Sales and related
    "41-1": "5222 1420",  # supervisors of sales workers
    "41-2": "521 522 523 5244",  # retail sales workers
    "41-301": "3339",  # advertising sales agents (ESCO files them in 3339)
    "41-302": "3321",  # insurance sales agents
    "41-303": "3311 3324",  # securities, commodities and financial services sales agents
    "41-304": "4221",  # travel agents
    "41-309": "3322 3339 2433 2434",  # sales representatives of services
    "41-401": "2433 2434 3322 3324",  # sales representatives, wholesale and manufacturing
    "41-901": "5241 5242",  # models, demonstrators and product promoters
    "41-902": "3334",  # real estate brokers and sales agents
    "41-903": "2433 2434",  # sales engineers
    "41-904": "5244",  # telemarketers
    "41-909": "5243 5249 3339",  # other sales workers
}
# Inside those groups, a label whose occupation the learned crosswalk codes as the same SOC class
# gains this on its similarity: it breaks near ties ("accountant" is an alt label of ESCO
# *accountant* and of *financial controller*). Chosen on the dev titles' ISCO labels.
SAME_CLASS_BONUS = 0.3
SOC_GROUP_TO_ISCO: Mapping[str, frozenset[str]] = {
    k: frozenset(v.split()) for k, v in _TABLE.items()
}


def admitted_isco(soc_code: str) -> frozenset[str] | None:
    """The ISCO-08 groups (3 or 4 digits) admitted for a 6-digit SOC code ('XX-XXXX'): those of
    its longest prefix in SOC_GROUP_TO_ISCO (detailed, broad 'XX-XXX', minor 'XX-X'), else None
    (the caller keeps v8's major-group table)."""
    for n in (7, 6, 4):
        groups = SOC_GROUP_TO_ISCO.get(soc_code[:n])
        if groups is not None:
            return groups
    return None


class GroupMasks:
    """Boolean masks over ESCO labels, given each label's ISCO-08 unit group: which labels lie in
    a set of ISCO groups (3 or 4 digits); one mask per set, made once."""

    def __init__(self, label_isco: Sequence[str]) -> None:
        self._unit = np.array(label_isco)
        self._minor = np.array([c[:3] for c in label_isco])
        self._cache: dict[frozenset[str], np.ndarray] = {}

    def mask(self, groups: frozenset[str]) -> np.ndarray:
        """(labels,) bool: the label's unit group, or its minor group, is in `groups`."""
        if groups not in self._cache:
            codes = list(groups)
            self._cache[groups] = np.isin(self._unit, codes) | np.isin(self._minor, codes)
        return self._cache[groups]
