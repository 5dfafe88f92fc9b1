"""A small OpenFisca model of the Daejeon water and sewer tariff (digest §8), for the benchmark.

The same tariff as ``rulesets/kr/daejeon/2023-07.yaml`` (the step of the 2023-07 bill, in force to
the 2024-06 bill; the benchmark bills 2024-03), written the OpenFisca way: parameters in
YAML (graduated tiers as marginal-rate scales), one entity (the metered account) and one
vectorised formula per charge. OpenFisca stores ``float`` variables as numpy float32.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from openfisca_core.entities import build_entity
from openfisca_core.indexed_enums import Enum
from openfisca_core.periods import MONTH
from openfisca_core.taxbenefitsystems import TaxBenefitSystem
from openfisca_core.variables import Variable

PARAMETERS = Path(__file__).parent / "parameters"
METER_SIZES = (15, 20, 25, 32, 40, 50, 80, 100, 150, 200, 250, 300, 400)

Account = build_entity(key="account", plural="accounts", label="A metered account", is_person=True)


class UseClass(Enum):
    household = "가정용"
    general = "일반용"
    bathhouse = "욕탕용"
    industrial = "산업용"


class use_class(Variable):
    value_type = Enum
    possible_values = UseClass
    default_value = UseClass.household
    entity = Account
    definition_period = MONTH
    label = "Use class"


class meter_mm(Variable):
    value_type = int
    entity = Account
    definition_period = MONTH
    label = "Meter diameter (mm)"


class usage_m3(Variable):
    value_type = float
    entity = Account
    definition_period = MONTH
    label = "Water used in the month (m³)"


def _by_class(account, period, scales):
    cls = account("use_class", period)
    usage = account("usage_m3", period)
    return np.select(
        [
            cls == UseClass.household,
            cls == UseClass.general,
            cls == UseClass.bathhouse,
            cls == UseClass.industrial,
        ],
        [
            scales.household.calc(usage),
            scales.general.calc(usage),
            scales.bathhouse.calc(usage),
            scales.industrial.calc(usage),
        ],
    )


class base(Variable):
    value_type = float
    entity = Account
    definition_period = MONTH
    label = "구경별 기본요금"

    def formula(account, period, parameters):
        table = parameters(period).daejeon.base
        mm = account("meter_mm", period)
        return np.select([mm == size for size in METER_SIZES], [table[f"mm{size}"] for size in METER_SIZES])


class water(Variable):
    value_type = float
    entity = Account
    definition_period = MONTH
    label = "상수도 사용요금"

    def formula(account, period, parameters):
        return _by_class(account, period, parameters(period).daejeon.water)


class sewer(Variable):
    value_type = float
    entity = Account
    definition_period = MONTH
    label = "하수도 사용료"

    def formula(account, period, parameters):
        return _by_class(account, period, parameters(period).daejeon.sewer)


class levy(Variable):
    value_type = float
    entity = Account
    definition_period = MONTH
    label = "물이용부담금"

    def formula(account, period, parameters):
        return account("usage_m3", period) * parameters(period).daejeon.levy


class total(Variable):
    value_type = float
    entity = Account
    definition_period = MONTH
    label = "Bill total"

    def formula(account, period, parameters):
        return (
            account("base", period)
            + account("water", period)
            + account("sewer", period)
            + account("levy", period)
        )


class DaejeonTariff(TaxBenefitSystem):
    def __init__(self) -> None:
        super().__init__([Account])
        for variable in (use_class, meter_mm, usage_m3, base, water, sewer, levy, total):
            self.add_variable(variable)
        self.load_parameters(str(PARAMETERS))
