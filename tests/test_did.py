"""Tests of kinerja_research.stats.did.staggered_did (Callaway & Sant'Anna 2021).

Reference numbers are frozen below, one class per case, one small test per statistic; no
reference package is needed at test time. Data: tests/data/mpdta.csv (copied from the validation case data
(``mpdta.csv``, docs/guide/methods.md); R ``did``'s mpdta, see tests/data/README.md).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from kinerja_research.stats import _did_core as core
from kinerja_research.stats.did import DiDAggregate, StaggeredDiDResults, WaldTest, staggered_did

DATA = pd.read_csv(__import__("pathlib").Path(__file__).parent / "data" / "mpdta.csv")
ARGS = ("lemp", "countyreal", "year", "first.treat")

# Tolerances (stated once). Point estimates and analytic SEs: 1e-6 relative, what the reference
# implementations support (docs/guide/methods.md; csdid, differences and moderndid agree
# to 1e-12). Wald p-values: R did rounds them to 5 decimals, so 5e-6 absolute. Bootstrap SEs
# and critical values: 10% relative -- multiplier-bootstrap draws differ by package, so these
# are Monte Carlo comparisons; the reference is the mean of the three packages' 999-draw runs
# (relative MC sd ~2%) and we use 9,999 draws (~1%), so 10% is > 4 MC standard deviations.
RTOL = 1e-6
P_ATOL = 5e-6
BOOT_RTOL = 0.10
BOOT_DRAWS = 9_999


class RefUnconditional:
    """cs_mpdta_unconditional: never-treated, no covariates, varying base, est_method "dr".

    validation case ``cs_mpdta_unconditional`` (docs/guide/methods.md), ``results.csdid`` (csdid 0.4.3:
    ``ATTgt(yname="lemp", tname="year", idname="countyreal", gname="first.treat",
    control_group="nevertreated").fit(est_method="dr")``; equal to differences 0.3.0 and
    moderndid 0.2.0 to 1e-17 and to R did 2.5.1's printed 4 decimals). Bootstrap entries: mean
    over csdid, differences and moderndid (999 draws, seed 12345; balance_e: csdid, moderndid).
    Aggregation ``by`` columns: level (e, group or time), estimate, analytic SE.
    """

    # columns: group, time, estimate, analytic SE
    att_gt = np.array([
        [2004.0, 2004.0, -0.010503246220961887, 0.02325103636816603],
        [2004.0, 2005.0, -0.07042315810314634, 0.030984766757276332],
        [2004.0, 2006.0, -0.13725873888940268, 0.03643566428768615],
        [2004.0, 2007.0, -0.10081136308540371, 0.03435922583467294],
        [2006.0, 2004.0, 0.00652011242423298, 0.023326805141804713],
        [2006.0, 2005.0, -0.0027508187505189165, 0.019558561035881585],
        [2006.0, 2006.0, -0.004594606952862948, 0.017755196659276322],
        [2006.0, 2007.0, -0.04122447154621744, 0.02022918070410684],
        [2007.0, 2004.0, 0.030506655583292613, 0.01503356028013004],
        [2007.0, 2005.0, -0.0027258928861162005, 0.01639583289553441],
        [2007.0, 2006.0, -0.031087119389688715, 0.017877511313343517],
        [2007.0, 2007.0, -0.026054410719196838, 0.016655435349252165],
    ])
    pretrend_p = 0.16812  # R rounds to 5 decimals
    simple = (-0.03995127515517626, 0.012034012770185351)
    dynamic = (-0.07723982145731488, 0.01996498906184918)
    dynamic_by = np.array([
        [-3.0, 0.030506655583292613, 0.015033560280130042],
        [-2.0, -0.0005630846263853979, 0.013291644736549986],
        [-1.0, -0.024458744971169465, 0.014236402210519314],
        [0.0, -0.019931816789259378, 0.011826364058058172],
        [1.0, -0.05095736706519374, 0.01689347626867793],
        [2.0, -0.13725873888940268, 0.03643566428768615],
        [3.0, -0.10081136308540371, 0.03435922583467295],
    ])
    group = (-0.031018282228748518, 0.012446059320997889)
    group_by = np.array([
        [2004.0, -0.07974912657472866, 0.026367799435026894],
        [2006.0, -0.022909539249540194, 0.01670333025516193],
        [2007.0, -0.026054410719196838, 0.01665543534925217],
    ])
    calendar = (-0.04170043213128195, 0.015971851884559744)
    calendar_by = np.array([
        [2004.0, -0.010503246220961887, 0.02325103636816603],
        [2005.0, -0.07042315810314634, 0.030984766757276336],
        [2006.0, -0.04881598426504286, 0.020125861260500214],
        [2007.0, -0.03705933993597674, 0.013747079141118529],
    ])
    dynamic_balance_e1 = (-0.02876076022037817, 0.013685582557682437)
    dynamic_balance_e1_by = np.array([
        [-2.0, 0.00652011242423298, 0.023326805141804713],
        [-1.0, -0.0027508187505189165, 0.019558561035881585],
        [0.0, -0.006564153375562595, 0.014255359148641974],
        [1.0, -0.05095736706519374, 0.01689347626867793],
    ])
    boot_att_gt_se = np.array([0.02405184315456256, 0.03348468331881376, 0.03867501098314725, 0.03581727449021205, 0.02413694541634186, 0.01982190459155919, 0.017650682924668835, 0.02069929822141207, 0.014719549981571938, 0.01679969722592875, 0.018037776908672837, 0.01680514715957807])
    boot_att_gt_crit = 2.676571853493446
    boot_simple_se = 0.012194575733950672
    boot_dynamic_se = 0.020208323282414
    boot_dynamic_by_se = np.array([0.01471954998157194, 0.013358626853827221, 0.014492078338798245, 0.01147437485577301, 0.017564482897228853, 0.03734579010590084, 0.035629129839978096])
    boot_dynamic_crit = 2.5557674526459437
    boot_group_se = 0.012302450055014047
    boot_group_by_se = np.array([0.02862067271277637, 0.016478373120796235, 0.0163515381927237])
    boot_group_crit = 2.3378444731207675
    boot_calendar_se = 0.01667693996353093
    boot_calendar_by_se = np.array([0.02405184315456256, 0.032424545060224304, 0.020289838027405485, 0.013340992878626286])
    boot_calendar_crit = 2.355639027781845
    boot_dynamic_balance_e1_se = 0.014011430491969595
    boot_dynamic_balance_e1_by_se = np.array([0.024315425144421456, 0.019764441649418506, 0.014403977471275763, 0.017500062227370494])
    boot_dynamic_balance_e1_crit = 2.523743697932616


class RefDrLpop:
    """cs_mpdta_dr_lpop: doubly robust with covariate lpop (and the reg / ipw variants).

    validation case ``cs_mpdta_dr_lpop`` (docs/guide/methods.md), ``results.csdid`` (csdid 0.4.3, same call
    as RefUnconditional with ``xformla="lemp ~ lpop"``, est_method "dr"; csdid, differences and
    moderndid agree to 4e-11). Their "dr" is DRDID's traditional locally efficient estimator
    (``drdid_panel``: logit propensity score + OLS), which is what R did's ``est_method="dr"``
    calls. ``reg_*`` / ``ipw_*``: ``other_est_methods_with_lpop`` (csdid_analytic).
    """

    # columns: group, time, estimate, analytic SE
    att_gt = np.array([
        [2004.0, 2004.0, -0.014529668304898206, 0.02212915723833524],
        [2004.0, 2005.0, -0.07642188173478573, 0.0286713141555611],
        [2004.0, 2006.0, -0.1404483368101218, 0.03537815471009607],
        [2004.0, 2007.0, -0.10690389811145896, 0.032886493002896935],
        [2006.0, 2004.0, -0.0004721460884853964, 0.02222343703665833],
        [2006.0, 2005.0, -0.006202524579796748, 0.018495701904182565],
        [2006.0, 2006.0, 0.0009605737466981815, 0.019400195422023057],
        [2006.0, 2007.0, -0.04129386558818044, 0.01972114414539531],
        [2007.0, 2004.0, 0.026727796203701828, 0.014065660764396418],
        [2007.0, 2005.0, -0.004576570763525918, 0.015717763130264354],
        [2007.0, 2006.0, -0.028447487197560732, 0.018180881152697802],
        [2007.0, 2007.0, -0.0287813610394868, 0.01623895296618497],
    ])
    pretrend_p = 0.23267  # R rounds to 5 decimals
    simple = (-0.04175177205861635, 0.011502838151545012)
    dynamic = (-0.08035394974402409, 0.018957557244824716)
    dynamic_by = np.array([
        [-3.0, 0.026727796203701828, 0.01406566076439642],
        [-2.0, -0.0036164714243351525, 0.01292833111300396],
        [-1.0, -0.0232439871700136, 0.01448513023172644],
        [0.0, -0.02106035975080004, 0.011494211662513763],
        [1.0, -0.05300320430371554, 0.0163464516166592],
        [2.0, -0.1404483368101218, 0.03537815471009607],
        [3.0, -0.10690389811145896, 0.032886493002896935],
    ])
    group = (-0.032819597161302304, 0.011898178727630803)
    group_by = np.array([
        [2004.0, -0.08457594624031618, 0.024564874607114595],
        [2006.0, -0.02016664592074113, 0.017469624975881805],
        [2007.0, -0.0287813610394868, 0.01623895296618497],
    ])
    calendar = (-0.044177357756553653, 0.015038175096396975)
    calendar_by = np.array([
        [2004.0, -0.014529668304898206, 0.022129157238335244],
        [2005.0, -0.07642188173478573, 0.028671314155561102],
        [2006.0, -0.04617572977224182, 0.021210719179735445],
        [2007.0, -0.03958215121428884, 0.012929872036421895],
    ])
    dynamic_balance_e1 = (-0.028603022287108076, 0.013937478182268512)
    dynamic_balance_e1_by = np.array([
        [-2.0, -0.0004721460884853964, 0.022223437036658335],
        [-1.0, -0.006202524579796748, 0.01849570190418257],
        [0.0, -0.004202840270500615, 0.01508791437490766],
        [1.0, -0.05300320430371554, 0.0163464516166592],
    ])
    boot_att_gt_se = np.array([0.02301065657027454, 0.030436197256342588, 0.037325205018570076, 0.03470638138091051, 0.02272273270380405, 0.01884579828133624, 0.019761462932033375, 0.020077474365669618, 0.013544895735436649, 0.016079047662937527, 0.018268052146157534, 0.01645361511874083])
    boot_att_gt_crit = 2.68116915735323
    boot_simple_se = 0.011677622879556695
    boot_dynamic_se = 0.019402800239655415
    boot_dynamic_by_se = np.array([0.013544895735436652, 0.013178824334476274, 0.014831757859440423, 0.011142616294231527, 0.01677228634422163, 0.03639649494735307, 0.034598086595843756])
    boot_dynamic_crit = 2.539618001718742
    boot_group_se = 0.011753373157088173
    boot_group_by_se = np.array([0.026491347141231223, 0.017923828733535662, 0.015888127534069926])
    boot_group_crit = 2.2491459064466954
    boot_calendar_se = 0.015831890181269685
    boot_calendar_by_se = np.array([0.02301065657027454, 0.02982177557794741, 0.021189905570647722, 0.012760082467180488])
    boot_calendar_crit = 2.352478129811633
    boot_dynamic_balance_e1_se = 0.014022679339616935
    boot_dynamic_balance_e1_by_se = np.array([0.022829070679104082, 0.018762877304206484, 0.01518792989390746, 0.016205377169435316])
    boot_dynamic_balance_e1_crit = 2.5129864082416464
    reg_att_gt = np.array([
        [2004.0, 2004.0, -0.014911237790360549, 0.02205569307631926],
        [2004.0, 2005.0, -0.07699632296605091, 0.02835974551014932],
        [2004.0, 2006.0, -0.14108010462858722, 0.03483628695361812],
        [2004.0, 2007.0, -0.10754427467304598, 0.0327376926434117],
        [2006.0, 2004.0, -0.002066058118439615, 0.022122286483578],
        [2006.0, 2005.0, -0.00696828306727084, 0.018345785629369393],
        [2006.0, 2006.0, 0.000765525026395996, 0.019195907032878545],
        [2006.0, 2007.0, -0.04153563652932521, 0.019716873645372866],
        [2007.0, 2004.0, 0.026365831746980005, 0.014018949322675112],
        [2007.0, 2005.0, -0.004759835338669477, 0.01566996603732892],
        [2007.0, 2006.0, -0.02850210641385888, 0.018132065892470278],
        [2007.0, 2007.0, -0.028789488193824517, 0.016167867253691817],
    ])
    reg_simple = (-0.041968612421543205, 0.011444829768215006)
    reg_group = (-0.03292924022900429, 0.011860308766261653)
    reg_group_by = np.array([
        [2004.0, -0.08513298501451116, 0.024251216397112477],
        [2006.0, -0.020385055751464605, 0.017402503253819906],
        [2007.0, -0.028789488193824517, 0.016167867253691817],
    ])
    ipw_att_gt = np.array([
        [2004.0, 2004.0, -0.014548431154139153, 0.022114533111436456],
        [2004.0, 2005.0, -0.07644986075866017, 0.02864886253738334],
        [2004.0, 2006.0, -0.14046460265549152, 0.03537100178568211],
        [2004.0, 2007.0, -0.1069325571057158, 0.03288915170894653],
        [2006.0, 2004.0, -0.0008685602909426493, 0.022152843418129474],
        [2006.0, 2005.0, -0.006397240343385197, 0.018457328457978307],
        [2006.0, 2006.0, 0.0012080452397303064, 0.019487929103448865],
        [2006.0, 2007.0, -0.04130823173872429, 0.019721398187520146],
        [2007.0, 2004.0, 0.026556103623585903, 0.014044158504654288],
        [2007.0, 2005.0, -0.004660904906027649, 0.015669164248939913],
        [2007.0, 2006.0, -0.02834030380483552, 0.01818930909532915],
        [2007.0, 2007.0, -0.028894766614560457, 0.016246409387179223],
    ])
    ipw_simple = (-0.041777082199131656, 0.011499719363982877)
    ipw_group = (-0.032875368664174516, 0.011893200167712448)
    ipw_group_by = np.array([
        [2004.0, -0.08459886291850166, 0.02455253128644702],
        [2006.0, -0.02005009324949699, 0.01752709500245508],
        [2007.0, -0.028894766614560457, 0.016246409387179223],
    ])


# Cases the validation set does not cover, frozen from csdid 0.4.3 (run 2026-11-23 in this
# repository's .venv; analytic SEs, ``bstrap=False``), the implementation the validation JSONs
# show equal to R did 2.5.1. Call: ATTgt(yname="lemp", tname="year", idname="countyreal",
# gname="first.treat", data=<data>, **options).fit(est_method=<m>, base_period=<b>,
# bstrap=False), then .aggte(typec=<type>, bstrap=False, cband=False). Columns of att_gt:
# group, time, estimate, analytic SE (NaN: universal base reference cell).


class RefCsdidNotyet:
    """control_group="notyettreated", no covariates, varying base."""

    att_gt = np.array([
        [2004.0, 2004.0, -0.019372363675921572, 0.022310112883680264],
        [2004.0, 2005.0, -0.07831909906206024, 0.030390228543396902],
        [2004.0, 2006.0, -0.13627434632867746, 0.0354033849689097],
        [2004.0, 2007.0, -0.10081136308540371, 0.03435922583467295],
        [2006.0, 2004.0, -0.002562550942610954, 0.022530235145338827],
        [2006.0, 2005.0, -0.0019392460957888685, 0.019042158605818867],
        [2006.0, 2006.0, 0.004660876319976199, 0.01633558424682363],
        [2006.0, 2007.0, -0.04122447154621744, 0.020229180704106838],
        [2007.0, 2004.0, 0.029759364761030957, 0.014533541638651452],
        [2007.0, 2005.0, -0.0024106128000968485, 0.016031296375517843],
        [2007.0, 2006.0, -0.03108711938968871, 0.01787751131334352],
        [2007.0, 2007.0, -0.026054410719196838, 0.016655435349252165],
    ])
    pretrend_p = 0.16814
    simple = (-0.03976362562304362, 0.012052424787341823)
    dynamic = (-0.07739931397058447, 0.01956017694639415)
    group = (-0.030462228112565055, 0.012575120131681777)
    calendar = (-0.044267083475883394, 0.015570904421144666)


class RefCsdidUniversal:
    """base_period="universal", never-treated, no covariates."""

    att_gt = np.array([
        [2004.0, 2003.0, 0.0, np.nan],
        [2004.0, 2004.0, -0.010503246220961883, 0.02325103636816603],
        [2004.0, 2005.0, -0.07042315810314634, 0.030984766757276336],
        [2004.0, 2006.0, -0.13725873888940268, 0.03643566428768615],
        [2004.0, 2007.0, -0.10081136308540371, 0.03435922583467295],
        [2006.0, 2003.0, -0.0037692936737140493, 0.03134202760181592],
        [2006.0, 2004.0, 0.002750818750518915, 0.019558561035881588],
        [2006.0, 2005.0, 0.0, np.nan],
        [2006.0, 2006.0, -0.004594606952862948, 0.017755196659276322],
        [2006.0, 2007.0, -0.04122447154621744, 0.020229180704106838],
        [2007.0, 2003.0, 0.003306356692512306, 0.02445187294393174],
        [2007.0, 2004.0, 0.0338130122758049, 0.02112917492431265],
        [2007.0, 2005.0, 0.03108711938968871, 0.01787751131334352],
        [2007.0, 2006.0, 0.0, np.nan],
        [2007.0, 2007.0, -0.026054410719196838, 0.016655435349252165],
    ])
    pretrend_p = 0.16812
    simple = (-0.03995127515517626, 0.012034012770185351)
    dynamic = (-0.07723982145731488, 0.01996498906184918)
    group = (-0.031018282228748518, 0.012446059320997889)
    calendar = (-0.04170043213128195, 0.015971851884559744)


class RefCsdidAnticipation:
    """control_group="notyettreated", anticipation=1, no covariates."""

    att_gt = np.array([
        [2006.0, 2004.0, -0.002562550942610954, 0.022530235145338823],
        [2006.0, 2005.0, -0.0019392460957888685, 0.019042158605818867],
        [2006.0, 2006.0, -0.007345425703381861, 0.022942862267558903],
        [2006.0, 2007.0, -0.043975290296736344, 0.0265787670169676],
        [2007.0, 2004.0, 0.029759364761030957, 0.014533541638651452],
        [2007.0, 2005.0, -0.002725892886116199, 0.01639583289553441],
        [2007.0, 2006.0, -0.03108711938968871, 0.01787751131334352],
        [2007.0, 2007.0, -0.05714153010888555, 0.020210163218686017],
    ])
    pretrend_p = 0.23184
    simple = (-0.04520554068373808, 0.01668313127214182)
    dynamic = (-0.044734304424389464, 0.018611707604094738)
    group = (-0.049777513241323804, 0.017385060989438265)
    calendar = (-0.03070356681699345, 0.01702065134312386)


def unbalanced_data() -> pd.DataFrame:
    """mpdta without 150 random rows (numpy default_rng(2026).choice(2500, 150, replace=False))."""
    drop = np.random.default_rng(2026).choice(len(DATA), 150, replace=False)
    return DATA.drop(index=drop).reset_index(drop=True)


class RefCsdidUnbalancedReg:
    """unbalanced_data(), allow_unbalanced_panel=True, est_method="reg", no covariates."""

    att_gt = np.array([
        [2004.0, 2004.0, -0.1333444504448673, 0.08709855517330868],
        [2004.0, 2005.0, -0.11157064223843438, 0.18918229828630895],
        [2004.0, 2006.0, -0.2781924364984718, 0.08888462801783346],
        [2004.0, 2007.0, -0.2151014790037351, 0.11811713691104916],
        [2006.0, 2004.0, -0.0658025915978131, 0.09393997107905185],
        [2006.0, 2005.0, 0.11744910118704066, 0.10654978204481927],
        [2006.0, 2006.0, -0.0491389283369843, 0.04374963595509621],
        [2006.0, 2007.0, -0.022557316916021364, 0.03926351975162985],
        [2007.0, 2004.0, 0.0645861808688446, 0.061908107604455705],
        [2007.0, 2005.0, -0.14555422198869294, 0.06588527146374673],
        [2007.0, 2006.0, 0.11019446416958978, 0.06288091567427799],
        [2007.0, 2007.0, -0.002888794859750028, 0.054171410640698234],
    ])
    pretrend_p = 0.20364
    simple = (-0.061891622338342445, 0.0380076962030859)
    dynamic = (-0.14293932640455392, 0.05790308793897902)
    group = (-0.02881362341683199, 0.039157193139091905)
    calendar = (-0.09990856773712758, 0.06941118403284005)


class RefCsdidUnbalancedRegLpop:
    """unbalanced_data(), allow_unbalanced_panel=True, est_method="reg", xformla="lemp~lpop"."""

    att_gt = np.array([
        [2004.0, 2004.0, -0.13578668556404866, 0.08457830579477012],
        [2004.0, 2005.0, -0.10287943408399544, 0.1856509925969103],
        [2004.0, 2006.0, -0.25673666621737257, 0.08637015572533943],
        [2004.0, 2007.0, -0.24932196876362817, 0.11675480180318824],
        [2006.0, 2004.0, -0.07217966968759798, 0.09027118863099769],
        [2006.0, 2005.0, 0.12847566317976467, 0.10248396103993825],
        [2006.0, 2006.0, -0.0343758717106646, 0.03721488027301917],
        [2006.0, 2007.0, -0.06568538115173703, 0.0337042176382714],
        [2007.0, 2004.0, 0.06319444040781248, 0.05533011743703289],
        [2007.0, 2005.0, -0.13081203569697789, 0.06052451091481387],
        [2007.0, 2006.0, 0.11894761015842753, 0.05881569452217515],
        [2007.0, 2007.0, -0.05872866280843439, 0.04928104219575156],
    ])
    pretrend_p = 0.1934
    simple = (-0.0913759451373947, 0.03613804513823484)
    dynamic = (-0.16145988463218042, 0.057018342714807255)
    group = (-0.07025289873454535, 0.035990564961306405)
    calendar = (-0.10682630940098699, 0.06844895254165746)


# ============================================================================================
# Fits (module scope: each is fitted once)
# ============================================================================================

SEED = 20261123
AGGS = ["simple", "dynamic", "group", "calendar"]


def _agg(res: StaggeredDiDResults, name: str) -> DiDAggregate:
    if name == "dynamic_balance_e1":
        return res.aggregate("dynamic", balance_e=1)
    return res.aggregate(name)


@pytest.fixture(scope="module")
def unconditional() -> StaggeredDiDResults:
    return staggered_did(DATA, *ARGS, n_boot=BOOT_DRAWS, random_state=SEED)


@pytest.fixture(scope="module")
def dr_lpop() -> StaggeredDiDResults:
    return staggered_did(DATA, *ARGS, covariates=["lpop"], n_boot=BOOT_DRAWS, random_state=SEED)


@pytest.fixture(scope="module", params=["reg", "ipw"])
def other_lpop(request: pytest.FixtureRequest) -> tuple[str, StaggeredDiDResults]:
    m = request.param
    return m, staggered_did(DATA, *ARGS, covariates=["lpop"], method=m, n_boot=0)


CSDID_CASES = {
    "notyet": (RefCsdidNotyet, lambda: DATA, {"control": "notyet"}),
    "universal": (RefCsdidUniversal, lambda: DATA, {"base_period": "universal"}),
    "anticipation": (RefCsdidAnticipation, lambda: DATA,
                     {"control": "notyet", "anticipation": 1}),
    "unbalanced_reg": (RefCsdidUnbalancedReg, unbalanced_data, {"method": "reg"}),
    "unbalanced_reg_lpop": (RefCsdidUnbalancedRegLpop, unbalanced_data,
                            {"method": "reg", "covariates": ["lpop"]}),
}


@pytest.fixture(scope="module", params=list(CSDID_CASES))
def csdid_case(request: pytest.FixtureRequest) -> tuple[type, StaggeredDiDResults]:
    ref, data, options = CSDID_CASES[request.param]
    with pytest.warns(UserWarning) if request.param == "anticipation" else _nullcontext():
        res = staggered_did(data(), *ARGS, n_boot=0, **options)
    return ref, res


class _nullcontext:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        return None


# ============================================================================================
# cs_mpdta_unconditional and cs_mpdta_dr_lpop: analytic
# ============================================================================================

VALIDATED = [("unconditional", RefUnconditional), ("dr_lpop", RefDrLpop)]


@pytest.mark.parametrize(("fit", "ref"), VALIDATED)
def test_att_gt_cells(fit: str, ref: type, request: pytest.FixtureRequest) -> None:
    got = request.getfixturevalue(fit).att_gt
    np.testing.assert_allclose(got[["group", "time"]].to_numpy(), ref.att_gt[:, :2], rtol=0, atol=0)


@pytest.mark.parametrize(("fit", "ref"), VALIDATED)
def test_att_gt_estimates(fit: str, ref: type, request: pytest.FixtureRequest) -> None:
    got = request.getfixturevalue(fit).att_gt["estimate"].to_numpy()
    np.testing.assert_allclose(got, ref.att_gt[:, 2], rtol=RTOL, atol=0)


@pytest.mark.parametrize(("fit", "ref"), VALIDATED)
def test_att_gt_analytic_se(fit: str, ref: type, request: pytest.FixtureRequest) -> None:
    got = request.getfixturevalue(fit).att_gt["std_error"].to_numpy()
    np.testing.assert_allclose(got, ref.att_gt[:, 3], rtol=RTOL, atol=0)


@pytest.mark.parametrize(("fit", "ref"), VALIDATED)
def test_pretrend_wald_p(fit: str, ref: type, request: pytest.FixtureRequest) -> None:
    test = request.getfixturevalue(fit).pretrend_test()
    assert isinstance(test, WaldTest)
    assert test.df == 5  # five pre-treatment cells in mpdta
    np.testing.assert_allclose(test.p_value, ref.pretrend_p, rtol=0, atol=P_ATOL)


@pytest.mark.parametrize("agg", [*AGGS, "dynamic_balance_e1"])
@pytest.mark.parametrize(("fit", "ref"), VALIDATED)
def test_aggregate_overall(fit: str, ref: type, agg: str, request: pytest.FixtureRequest) -> None:
    row = _agg(request.getfixturevalue(fit), agg).overall
    np.testing.assert_allclose([row["estimate"], row["std_error"]], getattr(ref, agg),
                               rtol=RTOL, atol=0)


@pytest.mark.parametrize("agg", ["dynamic", "group", "calendar", "dynamic_balance_e1"])
@pytest.mark.parametrize(("fit", "ref"), VALIDATED)
def test_aggregate_by_level(fit: str, ref: type, agg: str, request: pytest.FixtureRequest) -> None:
    t = _agg(request.getfixturevalue(fit), agg).tidy().iloc[1:]
    key = {"dynamic": "e", "group": "group", "calendar": "time"}[agg.split("_")[0]]
    want = getattr(ref, f"{agg}_by")
    np.testing.assert_allclose(t[key].to_numpy(), want[:, 0], rtol=0, atol=0)
    np.testing.assert_allclose(t["estimate"].to_numpy(), want[:, 1], rtol=RTOL, atol=0)
    np.testing.assert_allclose(t["std_error"].to_numpy(), want[:, 2], rtol=RTOL, atol=0)


def test_reg_ipw_with_covariate(other_lpop: tuple[str, StaggeredDiDResults]) -> None:
    m, res = other_lpop
    ref = getattr(RefDrLpop, f"{m}_att_gt")
    np.testing.assert_allclose(res.att_gt["estimate"], ref[:, 2], rtol=RTOL, atol=0)
    np.testing.assert_allclose(res.att_gt["std_error"], ref[:, 3], rtol=RTOL, atol=0)


@pytest.mark.parametrize("agg", ["simple", "group"])
def test_reg_ipw_aggregates(other_lpop: tuple[str, StaggeredDiDResults], agg: str) -> None:
    m, res = other_lpop
    t = res.aggregate(agg).tidy()
    np.testing.assert_allclose(t[["estimate", "std_error"]].iloc[0],
                               getattr(RefDrLpop, f"{m}_{agg}"), rtol=RTOL, atol=0)
    if agg == "group":
        by = getattr(RefDrLpop, f"{m}_group_by")
        np.testing.assert_allclose(t[["estimate", "std_error"]].iloc[1:], by[:, 1:],
                                   rtol=RTOL, atol=0)


def test_without_covariates_methods_coincide() -> None:
    """Without covariates dr, ipw and reg are the same 2x2 DiD (R did's documentation)."""
    fits = [staggered_did(DATA, *ARGS, method=m, n_boot=0).att_gt for m in ("dr", "ipw", "reg")]
    for f in fits[1:]:
        np.testing.assert_allclose(f[["estimate", "std_error"]], fits[0][["estimate", "std_error"]],
                                   rtol=RTOL, atol=0)


# ============================================================================================
# Multiplier bootstrap (Monte Carlo comparisons, BOOT_RTOL)
# ============================================================================================


@pytest.mark.parametrize(("fit", "ref"), VALIDATED)
def test_bootstrap_att_gt_se(fit: str, ref: type, request: pytest.FixtureRequest) -> None:
    got = request.getfixturevalue(fit).att_gt
    np.testing.assert_allclose(got["std_error_boot"], ref.boot_att_gt_se, rtol=BOOT_RTOL, atol=0)


@pytest.mark.parametrize(("fit", "ref"), VALIDATED)
def test_bootstrap_att_gt_uniform_critical_value(fit: str, ref: type,
                                                 request: pytest.FixtureRequest) -> None:
    got = request.getfixturevalue(fit).att_gt
    np.testing.assert_allclose(got["critical_value"].iloc[0], ref.boot_att_gt_crit,
                               rtol=BOOT_RTOL, atol=0)
    band = got["conf_high_uniform"] - got["conf_low_uniform"]
    np.testing.assert_allclose(band, 2 * got["critical_value"] * got["std_error_boot"],
                               rtol=1e-12, atol=0)


@pytest.mark.parametrize("agg", [*AGGS, "dynamic_balance_e1"])
@pytest.mark.parametrize(("fit", "ref"), VALIDATED)
def test_bootstrap_aggregate_se(fit: str, ref: type, agg: str,
                                request: pytest.FixtureRequest) -> None:
    t = _agg(request.getfixturevalue(fit), agg).tidy()
    np.testing.assert_allclose(t["std_error_boot"].iloc[0], getattr(ref, f"boot_{agg}_se"),
                               rtol=BOOT_RTOL, atol=0)
    if agg != "simple":
        np.testing.assert_allclose(t["std_error_boot"].iloc[1:], getattr(ref, f"boot_{agg}_by_se"),
                                   rtol=BOOT_RTOL, atol=0)
        np.testing.assert_allclose(t["critical_value"].iloc[1], getattr(ref, f"boot_{agg}_crit"),
                                   rtol=BOOT_RTOL, atol=0)


def test_bootstrap_is_reproducible_and_seeded() -> None:
    a = staggered_did(DATA, *ARGS, n_boot=199, random_state=7).att_gt["std_error_boot"]
    b = staggered_did(DATA, *ARGS, n_boot=199, random_state=7).att_gt["std_error_boot"]
    c = staggered_did(DATA, *ARGS, n_boot=199, random_state=8).att_gt["std_error_boot"]
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a, c, rtol=1e-9, atol=0)


def test_unseeded_run_records_its_seed() -> None:
    res = staggered_did(DATA, *ARGS, n_boot=199)
    again = staggered_did(DATA, *ARGS, n_boot=199, random_state=res.provenance["seed"])
    np.testing.assert_array_equal(res.att_gt["std_error_boot"], again.att_gt["std_error_boot"])


def test_bootstrap_draws_do_not_depend_on_chunking(monkeypatch: pytest.MonkeyPatch) -> None:
    from kinerja_research.stats import _bootstrap

    z = np.random.default_rng(0).standard_normal((300, 4))
    whole = _bootstrap.rademacher_draws(z, 50, np.random.default_rng(3))
    monkeypatch.setattr(_bootstrap, "_CHUNK_ELEMENTS", 300 * 7)
    chunked = _bootstrap.rademacher_draws(z, 50, np.random.default_rng(3))
    np.testing.assert_allclose(chunked, whole, rtol=1e-6, atol=1e-5)  # float32 products


# ============================================================================================
# Cases frozen from csdid: not-yet-treated, universal base, anticipation, unbalanced panels
# ============================================================================================


def test_csdid_att_gt(csdid_case: tuple[type, StaggeredDiDResults]) -> None:
    ref, res = csdid_case
    got = res.att_gt
    np.testing.assert_allclose(got[["group", "time"]], ref.att_gt[:, :2], rtol=0, atol=0)
    np.testing.assert_allclose(got["estimate"], ref.att_gt[:, 2], rtol=RTOL, atol=1e-15)
    np.testing.assert_allclose(got["std_error"], ref.att_gt[:, 3], rtol=RTOL, atol=0)


def test_csdid_pretrend(csdid_case: tuple[type, StaggeredDiDResults]) -> None:
    ref, res = csdid_case
    np.testing.assert_allclose(res.pretrend_test().p_value, ref.pretrend_p, rtol=0, atol=P_ATOL)


@pytest.mark.parametrize("agg", AGGS)
def test_csdid_aggregates(csdid_case: tuple[type, StaggeredDiDResults], agg: str) -> None:
    ref, res = csdid_case
    np.testing.assert_allclose(res.aggregate(agg).tidy()[["estimate", "std_error"]].iloc[0],
                               getattr(ref, agg), rtol=RTOL, atol=0)


def test_cluster_robust_matches_csdid() -> None:
    """Clustered by state (29 clusters): frozen from csdid 0.4.3 ``clustervars="state"``,
    ``bstrap=False`` (cluster-robust analytic SE, sqrt(sum of squared cluster sums) / n)."""
    df = DATA.assign(state=DATA["countyreal"] // 1000)
    res = staggered_did(df, *ARGS, cluster="state", n_boot=0)
    want = [0.012134266894680511, 0.014509569530291172, 0.02320191441048192,
            0.02079788748652401, 0.03584831682792509, 0.020836483750407184,
            0.020283893027197478, 0.027183723608021414, 0.016549190338258152,
            0.01597284147817455, 0.0266230339586743, 0.014344203220185427]
    np.testing.assert_allclose(res.att_gt["std_error"], want, rtol=RTOL, atol=0)
    np.testing.assert_allclose(res.aggregate("simple").overall["std_error"],
                               0.015159458578451529, rtol=RTOL, atol=0)
    np.testing.assert_allclose(res.pretrend_test().p_value, 0.25577, rtol=0, atol=P_ATOL)
    assert res.provenance["n_clusters"] == 29
    assert "state" in res.provenance["cluster"]


def test_clustered_bootstrap_variance_is_cluster_robust() -> None:
    """The clustered multiplier bootstrap's variance equals the cluster-robust analytic one.

    E[(sum_c v_c S_c)^2] = sum_c S_c^2 for Rademacher v; with 9,999 draws the SD of the draws
    has a Monte Carlo error of about 1%, so 5% is 5 MC standard deviations. (The reported
    bootstrap SE is IQR-based, which with 29 clusters is not the SD, so it is not compared.)
    """
    df = DATA.assign(state=DATA["countyreal"] // 1000)
    res = staggered_did(df, *ARGS, cluster="state", n_boot=BOOT_DRAWS, random_state=1)
    k = len(res.att_gt)
    draws_sd = res._extra["_state"]["draws"][:, :k].std(axis=0)
    np.testing.assert_allclose(draws_sd, res.att_gt["std_error"], rtol=0.05, atol=0)
    iid = staggered_did(df, *ARGS, n_boot=BOOT_DRAWS, random_state=1)
    # state-level correlation makes the clustered SE larger here (0.0152 vs 0.0120 analytic)
    assert res.aggregate("simple").overall["std_error_boot"] > \
        iid.aggregate("simple").overall["std_error_boot"]


def test_unbalanced_path_equals_panel_path_on_balanced_data() -> None:
    """R did's unbalanced (repeated-cross-section) path reduces to the panel estimator."""
    panel = core.prepare_panel(DATA, outcome="lemp", unit="countyreal", time="year",
                               cohort="first.treat", covariates=[], cluster=None)
    glist = np.unique(panel.cohort[panel.cohort > 0])
    plan = core.plan_cells(glist, panel.times, anticipation=0, base_period="varying")
    kw = {"method": "reg", "control": "never", "anticipation": 0}
    att_p, if_p, _ = core.estimate_cells(panel, plan, unbalanced=False, **kw)
    att_u, if_u, _ = core.estimate_cells(panel, plan, unbalanced=True, **kw)
    np.testing.assert_allclose(att_u, att_p, rtol=1e-10, atol=1e-14)
    np.testing.assert_allclose(if_u, if_p, rtol=1e-10, atol=1e-10)


def test_unbalanced_panel_runs_and_is_close() -> None:
    """Dropping 2% of rows: the simple ATT moves by less than 2 of its standard errors."""
    drop = np.random.default_rng(11).choice(len(DATA), 50, replace=False)
    res = staggered_did(DATA.drop(index=drop), *ARGS, method="reg", n_boot=0)
    full = staggered_did(DATA, *ARGS, method="reg", n_boot=0).aggregate("simple").overall
    got = res.aggregate("simple").overall
    assert "unbalanced" in res.provenance["panel"]
    assert abs(got["estimate"] - full["estimate"]) < 2 * got["std_error"]


def test_unbalanced_with_covariates_needs_reg() -> None:
    with pytest.raises(ValueError, match="method='reg'"):
        staggered_did(unbalanced_data(), *ARGS, covariates=["lpop"], method="dr", n_boot=0)


def test_unbalanced_can_be_balanced_by_dropping_units() -> None:
    with pytest.warns(UserWarning, match="not observed in every period"):
        res = staggered_did(unbalanced_data(), *ARGS, n_boot=0, allow_unbalanced_panel=False)
    assert res.provenance["panel"] == "balanced panel"
    assert res.provenance["n_units"] < 500


# ============================================================================================
# Building blocks, coding conventions and input checks
# ============================================================================================


def test_logit_matches_statsmodels() -> None:
    import statsmodels.api as sm

    rng = np.random.default_rng(5)
    x = np.column_stack([np.ones(400), rng.standard_normal((400, 2))])
    d = (rng.random(400) < 1 / (1 + np.exp(-(x @ [0.3, 1.0, -0.5])))).astype(float)
    want = sm.GLM(d, x, family=sm.families.Binomial()).fit(tol=1e-12).fittedvalues
    np.testing.assert_allclose(core._logit(d, x), want, rtol=1e-8, atol=0)


def test_nan_cohort_means_never_treated() -> None:
    df = DATA.assign(**{"first.treat": DATA["first.treat"].replace(0, np.nan)})
    a = staggered_did(df, *ARGS, n_boot=0).att_gt
    np.testing.assert_allclose(a["estimate"], RefUnconditional.att_gt[:, 2], rtol=RTOL, atol=0)


def test_cohort_after_last_period_is_never_treated() -> None:
    df = DATA.assign(**{"first.treat": DATA["first.treat"].replace(0, 2050)})
    a = staggered_did(df, *ARGS, n_boot=0).att_gt
    np.testing.assert_allclose(a["estimate"], RefUnconditional.att_gt[:, 2], rtol=RTOL, atol=0)


def test_no_never_treated_requires_notyet() -> None:
    df = DATA[DATA["first.treat"] > 0]
    with pytest.raises(ValueError, match="notyet"):
        staggered_did(df, *ARGS, n_boot=0)
    res = staggered_did(df, *ARGS, control="notyet", n_boot=0)
    # the last cohort (2007) is only a comparison group; periods from 2007 on are dropped
    assert set(res.att_gt["group"]) == {2004.0, 2006.0}
    assert res.att_gt["time"].max() == 2006.0


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"method": "aipw"}, ValueError, "method"),
        ({"control": "later"}, ValueError, "control"),
        ({"base_period": "fixed"}, ValueError, "base_period"),
        ({"alpha": 1.5}, ValueError, "alpha"),
        ({"n_boot": -1}, ValueError, "n_boot"),
        ({"anticipation": -1}, ValueError, "anticipation"),
        ({"covariates": "lpop"}, TypeError, "list"),
        ({"covariates": ["nope"]}, ValueError, "nope"),
        ({"cluster": "nope"}, ValueError, "nope"),
        ({"random_state": "x"}, TypeError, "random_state"),
    ],
)
def test_bad_options(kwargs: dict, error: type, match: str) -> None:
    with pytest.raises(error, match=match):
        staggered_did(DATA, *ARGS, **kwargs)


def test_bad_data() -> None:
    with pytest.raises(TypeError, match="DataFrame"):
        staggered_did(DATA.to_dict(), *ARGS)
    with pytest.raises(ValueError, match="duplicate"):
        staggered_did(pd.concat([DATA, DATA.head(1)]), *ARGS, n_boot=0)
    bad = DATA.copy()
    bad.loc[0, "first.treat"] = 2004  # unit 8001 is cohort 2007 in the other rows
    with pytest.raises(ValueError, match="constant within each unit"):
        staggered_did(bad, *ARGS, n_boot=0)


def test_bad_aggregate_options(unconditional: StaggeredDiDResults) -> None:
    with pytest.raises(ValueError, match="type"):
        unconditional.aggregate("event")
    with pytest.raises(ValueError, match="balance_e"):
        unconditional.aggregate("dynamic", balance_e=-1)
    with pytest.raises(ValueError, match="window"):
        unconditional.aggregate("dynamic", min_e=10)


def test_event_window(unconditional: StaggeredDiDResults) -> None:
    t = unconditional.aggregate("dynamic", min_e=-2, max_e=2).tidy()
    np.testing.assert_array_equal(t["e"].iloc[1:], [-2, -1, 0, 1, 2])
    # the by-level estimates do not depend on the window; the overall averages e = 0, 1, 2
    full = RefUnconditional.dynamic_by
    np.testing.assert_allclose(t["estimate"].iloc[1:], full[1:6, 1], rtol=RTOL, atol=0)
    np.testing.assert_allclose(t["estimate"].iloc[0], full[3:6, 1].mean(), rtol=RTOL, atol=0)


# ============================================================================================
# Results objects
# ============================================================================================


def test_results_are_immutable_and_hold_no_rows(unconditional: StaggeredDiDResults) -> None:
    with pytest.raises(AttributeError):
        unconditional.alpha = 0.1  # type: ignore[misc]
    state = unconditional._extra["_state"]
    for value in state.values():
        if isinstance(value, np.ndarray):
            assert 500 not in value.shape  # nothing per unit is kept
    assert not any(isinstance(v, pd.DataFrame) for v in state.values())


def test_provenance(unconditional: StaggeredDiDResults) -> None:
    p = unconditional.provenance
    assert p["variance_analytic"] == "influence function, analytic"
    assert "multiplier bootstrap, Rademacher" in p["variance_bootstrap"]
    assert p["bootstrap_weights"] == "Rademacher"
    assert (p["n_boot"], p["seed"], p["n_units"]) == (BOOT_DRAWS, SEED, 500)
    assert p["control_group"] == "never treated"
    assert p["est_method"].startswith("dr")
    assert (p["base_period"], p["anticipation"]) == ("varying", 0)
    assert p["cluster"].startswith("unit")
    assert isinstance(p["data_fingerprint"], str) and len(p["data_fingerprint"]) == 16
    agg = unconditional.aggregate("dynamic").provenance
    assert agg["aggregation"] == "dynamic" and agg["data_fingerprint"] == p["data_fingerprint"]


def test_tidy_columns_and_summary(unconditional: StaggeredDiDResults) -> None:
    t = unconditional.tidy()
    assert list(t.columns[:7]) == ["term", "estimate", "std_error", "statistic", "p_value",
                                   "conf_low", "conf_high"]
    assert t["term"].iloc[0] == "ATT(2004,2004)"
    s = unconditional.aggregate("dynamic").summary()
    assert "ATT(e)" in s and "influence function, analytic" in s and "Rademacher" in s
    assert "e=-3" in s


def test_no_bootstrap_gives_analytic_only() -> None:
    res = staggered_did(DATA, *ARGS, n_boot=0)
    assert res.att_gt["std_error_boot"].isna().all()
    assert res.provenance["seed"] is None
    agg = res.aggregate("dynamic").tidy()
    assert agg["conf_low_uniform"].isna().all() and agg["std_error"].notna().all()


def test_plots(unconditional: StaggeredDiDResults) -> None:
    import matplotlib.pyplot as plt

    for fig in (unconditional.plot(), unconditional.aggregate("dynamic").plot(),
                unconditional.aggregate("simple").plot()):
        assert fig.axes
        plt.close(fig)


def test_block_fast_path_equals_dense_path() -> None:
    """Without covariates the IFs are handled in block form; clustering by the unit id takes
    the dense path (one cluster per unit: the same variance), so both must agree."""
    fast = staggered_did(DATA, *ARGS, control="notyet", n_boot=0)
    dense = staggered_did(DATA, *ARGS, control="notyet", n_boot=0, cluster="countyreal")
    np.testing.assert_allclose(dense.att_gt[["estimate", "std_error"]],
                               fast.att_gt[["estimate", "std_error"]], rtol=1e-10, atol=1e-15)
    for agg in AGGS:
        np.testing.assert_allclose(dense.aggregate(agg).tidy()[["estimate", "std_error"]],
                                   fast.aggregate(agg).tidy()[["estimate", "std_error"]],
                                   rtol=1e-10, atol=1e-15)
