"""The worked extension of docs/extending.md: a data cooperative (a new seller) and a data dividend (a new lever).

The example declares its lever before the scenario schema is built, so it runs in a fresh interpreter.
"""

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "docs" / "examples" / "data_cooperative.py"

CHECK = f"""
import importlib.util, json
spec = importlib.util.spec_from_file_location("data_cooperative", {str(EXAMPLE)!r})
example = importlib.util.module_from_spec(spec); spec.loader.exec_module(example)
from sim import MarketParams, ParamsError
from sim.levers import lever_table

out = {{}}
for dividend in (0.0, 4e-6, 6e-6):
    params = MarketParams().with_overrides(data_dividend_usd_per_token=dividend, end="2031-12")
    model = example.CooperativeMarket(params, rng=1)
    problems = []
    while model.running:
        model.step()
        problems += model.invariant_violations()
    coop = model.cooperative.unique_id
    buyers = sorted(v for u, v, d in model.network.edges(data=True) if u == coop and d["kind"] == "deal")
    out[str(dividend)] = {{"sold": model.cooperative.sold_tokens, "buyers": buyers, "problems": problems,
                           "price": model.cooperative.usd_per_token}}
try:
    MarketParams().with_overrides(data_dividend_usd_per_token=-1.0)
    out["refused"] = ""
except ParamsError as err:
    out["refused"] = str(err)
out["in_table"] = "data_dividend_usd_per_token" in lever_table()
print(json.dumps(out))
"""


def test_the_cooperative_sells_through_the_seller_protocol_and_the_dividend_moves_its_sales():
    result = subprocess.run([sys.executable, "-c", CHECK], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout.strip().splitlines()[-1])
    runs = [out[k] for k in ("0.0", "4e-06", "6e-06")]
    assert all(run["problems"] == [] for run in runs)
    assert runs[0]["sold"] > 0 and runs[0]["buyers"], "labs buy from a seller they were never told about"
    # Expected direction: a higher dividend raises the cooperative's price and lowers what labs buy from it.
    assert runs[0]["price"] < runs[1]["price"] < runs[2]["price"]
    # (to 2031: until then a lab short of text may take the whole pool at either dividend)
    assert runs[0]["sold"] > runs[1]["sold"] > runs[2]["sold"]
    assert "data_dividend_usd_per_token" in out["refused"] and ">= 0" in out["refused"]
    assert out["in_table"]


def test_the_example_runs_as_a_script():
    result = subprocess.run([sys.executable, str(EXAMPLE)], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("the cooperative sold") == 2
