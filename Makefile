# The two commands of the README, and their parts. Each target sets up what it needs.
.PHONY: setup assets browser app demo test test-fast lint bench docs decide-sites calibrate sbc sbc-smc fuzz kill-soak damage-soak mutation

PY := .venv/bin/python

setup:                 ## Python environment from uv.lock
	bash scripts/bootstrap.sh

assets: setup          ## Solara's front-end assets, cached offline from npm
	bash scripts/setup_browser.sh --no-browser

browser: setup         ## assets + Debian's Chromium (for the browser tests)
	bash scripts/setup_browser.sh

app: assets            ## the browser app on http://127.0.0.1:8765
	.venv/bin/abm app --open

demo: setup            ## the baseline and the center scenarios side by side, in the terminal
	.venv/bin/abm compare scenarios/baseline.toml scenarios/nacc_haenam.toml \
	  scenarios/nacc_daegu.toml scenarios/nacc_gwangju.toml scenarios/nacc_split.toml

lint: setup            ## ruff's lint and format checks, and mypy over abm/
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .
	.venv/bin/mypy

test: browser lint     ## everything: lint, fast, slow statistical and browser tests
	$(PY) -m pytest -m "" -p no:cacheprovider
	$(PY) benchmarks/bench_model.py --quick
	$(PY) benchmarks/bench_sweep.py --quick

test-fast: setup       ## the fast tests only
	$(PY) -m pytest

bench: setup           ## full benchmarks (figures for the closing notes)
	$(PY) benchmarks/bench_model.py
	$(PY) benchmarks/bench_sweep.py

fuzz: setup            ## soak: >= 10,000 fuzz cases of scenario files, specs and flags (~30 min)
	ABM_FUZZ_EXAMPLES=$${ABM_FUZZ_EXAMPLES:-3400} ABM_FUZZ_SEED=$${ABM_FUZZ_SEED:-1} \
	  $(PY) -m pytest tests/test_fuzz_cli.py -m "" -p no:cacheprovider -q \
	  --timeout 7200 --hypothesis-show-statistics

kill-soak: setup       ## 100 random SIGKILLs across abm run --overwrite, abm sweep, --resume
	$(PY) scripts/kill_soak.py --kills 100

damage-soak: setup     ## damaged and duplicated part files, each then --resume, compact, analyze, load_results (~20 min)
	$(PY) scripts/damage_soak.py --repeats $${ABM_DAMAGE_REPEATS:-10} --seed $${ABM_DAMAGE_SEED:-1}

mutation: setup        ## mutmut over abm/rules/, location.py, compute.py: docs/mutation.md's table (4,006 mutants: 4-5 h at load 5-11, resumable)
	nice -n 10 $(PY) scripts/mutation.py --write

docs: setup            ## regenerate the parameter table in docs/ODD.md
	$(PY) -m abm.paramtable --write

decide-sites: setup    ## the site decision (examples/decide_sites.toml): report + docs/decisions.md results
	.venv/bin/abm decide examples/decide_sites.toml --out results/decide_sites --resume
	$(PY) -m abm.decide.markdown results/decide_sites --write docs/decisions.md \
	  --figures docs/decisions --note "$(NOTE)"

calibrate: setup       ## fit the history scenario (calibration/history.toml); ship scenarios/calibrated.toml + calibration/posterior/
	.venv/bin/abm calibrate calibration/history.toml --out results/calibration-history --resume
	$(PY) -m abm.calibrate.check calibration/history.toml results/calibration-history --runs 40
	$(PY) -m abm.calibrate.ship results/calibration-history

# SBC of the shipped calibration (rejection on its reference table, then the regression
# adjustment; scripts/sbc_table.py): every one of SBC_N prior runs is a truth once, no new run
SBC_N ?= 500
sbc: setup             ## SBC of the shipped calibration on its reference table: calibration/sbc/ + its docs section
	$(PY) scripts/sbc_table.py calibration/history.toml results/calibration-history --n $(SBC_N) --write

# SBC of the whole ABC-SMC sampler (python -m abm.calibrate.sbc), for specs with generations
# after the prior; each value is stated in the summary it writes to results/
SBC_SMC_N ?= 50
SBC_PARTICLES ?= 60
SBC_GENERATIONS ?= 1
SBC_MAX_RUNS ?= 180
SBC_FIRMS ?= 2000
sbc-smc: setup         ## simulation-based calibration of an ABC-SMC spec (SPEC=...), unit by unit, into results/
	$(PY) -m abm.calibrate.sbc $(or $(SPEC),calibration/history.toml) --n $(SBC_SMC_N) \
	  --particles $(SBC_PARTICLES) --generations $(SBC_GENERATIONS) --max-runs $(SBC_MAX_RUNS) \
	  --firms $(SBC_FIRMS) --out results/sbc-smc-$(SBC_PARTICLES)p$(SBC_GENERATIONS)g$(SBC_FIRMS)f --resume
