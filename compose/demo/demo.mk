# Makefile fragment for the Survey Platform demo (FROM-scratch stand-ins,
# no registry needed). The root Makefile includes it and defines `demo`.
#
#   make demo-images   build surveydemo/standin:latest and surveydemo/mongo:latest
#   make demo-up       images, start the 15 services, wait until all are healthy
#   make demo-down     stop and remove the containers, keep the volumes (data)
#   make demo-clean    remove containers, network and volumes
#
# Variables: COMPOSE (docker compose if available, else docker-compose),
# DEMO_PROJECT (surveydemo), DEMO_TIMEOUT (seconds, 120), DEMO_COMPOSE_FILES
# (the compose file, plus any override files), and the compose
# file's own SURVEYDEMO_* variables (image tags, bind address, host ports).

DEMO_DIR := $(patsubst %/,%,$(dir $(lastword $(MAKEFILE_LIST))))
ifeq ($(origin COMPOSE),undefined)
COMPOSE := $(shell docker compose version >/dev/null 2>&1 && echo "docker compose" || echo docker-compose)
endif
DEMO_PROJECT ?= surveydemo
DEMO_TIMEOUT ?= 120
# Extra files (overrides that turn knobs) can be appended to DEMO_COMPOSE_FILES.
DEMO_COMPOSE_FILES ?= $(DEMO_DIR)/docker-compose.yml
DEMO_COMPOSE = $(COMPOSE) -p $(DEMO_PROJECT) $(addprefix -f ,$(DEMO_COMPOSE_FILES))

.PHONY: demo-images demo-up demo-down demo-clean

demo-images:
	$(DEMO_DIR)/build-images.sh

demo-up: demo-images
	$(DEMO_COMPOSE) up -d
	$(DEMO_DIR)/wait-healthy.sh $(DEMO_PROJECT) $(DEMO_TIMEOUT) $$($(DEMO_COMPOSE) config --services)

demo-down:
	$(DEMO_COMPOSE) down --timeout 5

demo-clean:
	$(DEMO_COMPOSE) down -v --remove-orphans --timeout 5
