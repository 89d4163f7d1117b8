"""Published multi-list tables (cell counts per capture pattern, last column the count).

Each as its source published it and as the R packages Rcapture 1.4-4 (Baillargeon & Rivest
2007) and MultipleSystemsEstimation 1.2.0 (Silverman 2020) ship it.
"""

from __future__ import annotations

import numpy as np

# Killings in Kosovo, 20 March – 22 June 1999: 4,400 people on four lists (EXH exhumations,
# ABA American Bar Association CEELI, OSCE, HRW Human Rights Watch). Ball, P., Betts, W.,
# Scheuren, F., Dudukovich, J. & Asher, J. (2002), *Killings and Refugee Flow in Kosovo,
# March–June 1999*, AAAS report to the ICTY. MultipleSystemsEstimation's ``Kosovo``.
KOSOVO_LISTS = ("EXH", "ABA", "OSCE", "HRW")
KOSOVO = np.array([
    [1, 0, 0, 0, 1131], [0, 1, 0, 0, 845], [0, 0, 1, 0, 936], [0, 0, 0, 1, 306],
    [1, 1, 0, 0, 177], [1, 0, 1, 0, 228], [1, 0, 0, 1, 106], [0, 1, 1, 0, 217],
    [0, 1, 0, 1, 31], [0, 0, 1, 1, 123], [1, 1, 1, 0, 181], [1, 1, 0, 1, 18],
    [1, 0, 1, 1, 42], [0, 1, 1, 1, 32], [1, 1, 1, 1, 27],
])  # fmt: skip

# People with HIV in Rome from four reporting centres, 1,896 seen. Abeni, D. D., Brancato,
# G. & Perucci, C. A. (1994), *Epidemiology* 5, 410–414. Rcapture's ``HIV``.
HIV_LISTS = ("c1", "c2", "c3", "c4")
HIV = np.array([
    [1, 1, 1, 1, 0], [1, 1, 1, 0, 3], [1, 1, 0, 1, 1], [1, 1, 0, 0, 33], [1, 0, 1, 1, 0],
    [1, 0, 1, 0, 20], [1, 0, 0, 1, 6], [1, 0, 0, 0, 403], [0, 1, 1, 1, 3], [0, 1, 1, 0, 35],
    [0, 1, 0, 1, 10], [0, 1, 0, 0, 545], [0, 0, 1, 1, 11], [0, 0, 1, 0, 621],
    [0, 0, 0, 1, 205],
])  # fmt: skip

# Potential victims of modern slavery, UK 2013 strategic assessment, 2,744 seen, in the five
# lists of Silverman (2020, *JRSSA* 183(3)): LA local authorities, NG non-government
# organisations, PFNCA police forces and National Crime Agency, GO government organisations,
# GP general public. Silverman, B. W. (2014), *Modern Slavery: an application of Multiple
# Systems Estimation*, Home Office. MultipleSystemsEstimation's ``UKdat_5``.
UK5_LISTS = ("LA", "NG", "PFNCA", "GO", "GP")
UK5 = np.array([
    [1, 0, 0, 0, 0, 54], [0, 1, 0, 0, 0, 463], [0, 0, 1, 0, 0, 995], [0, 0, 0, 1, 0, 695],
    [0, 0, 0, 0, 1, 316], [1, 1, 0, 0, 0, 15], [1, 0, 1, 0, 0, 19], [1, 0, 0, 1, 0, 3],
    [0, 1, 1, 0, 0, 62], [0, 1, 0, 1, 0, 19], [0, 1, 0, 0, 1, 1], [0, 0, 1, 1, 0, 76],
    [0, 0, 1, 0, 1, 11], [0, 0, 0, 1, 1, 8], [1, 1, 1, 0, 0, 1], [1, 1, 0, 1, 0, 1],
    [0, 1, 1, 1, 0, 4], [1, 1, 1, 1, 0, 1],
])  # fmt: skip

# Korean women held in sexual slavery by the Japanese military in Palembang, 123 seen on
# three lists. Ball, P., Shin, E. H.-S. & Yang, H. (2018), HRDAG technical report.
# MultipleSystemsEstimation's ``Korea``.
KOREA_LISTS = ("b", "c", "d")
KOREA = np.array([
    [0, 0, 1, 41], [0, 1, 0, 5], [1, 0, 0, 5], [1, 1, 0, 54], [1, 0, 1, 6], [0, 1, 1, 0],
    [1, 1, 1, 12],
])  # fmt: skip
