# One command runs it, one command tests it. ODOO_SRC: an Odoo 18.0 source tree or release
# archive; needed once, then remembered in ~/.cache/lot_tracking (LOT_TRACKING_HOME).
ODOO_SRC ?=
SRC_ARG = $(if $(ODOO_SRC),--odoo-src "$(ODOO_SRC)",)

.PHONY: run test compat bench provision lint format screenshots upgrade-test
run:
	scripts/lt run $(SRC_ARG)
test:
	scripts/lt test $(SRC_ARG) $(ARGS)
compat:
	scripts/lt compat $(SRC_ARG) $(ARGS)
bench:
	scripts/lt bench $(SRC_ARG) $(ARGS)
upgrade-test:
	scripts/lt upgrade-test $(SRC_ARG) $(ARGS)
provision:
	scripts/lt provision $(SRC_ARG)
lint:
	scripts/lt lint $(SRC_ARG)
format:
	scripts/lt format $(SRC_ARG)
screenshots:
	scripts/lt screenshots $(SRC_ARG) $(ARGS)
