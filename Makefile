# The template's own chores. `make lock` re-resolves the lock of every store after a change to
# the pins in the generated pyproject.toml; pins the change does not touch stay as they are.
# The template's venv (requirements-dev.txt) has cookiecutter and the pinned uv.
export PATH := $(CURDIR)/.venv/bin:$(PATH)
PYTHON := .venv/bin/python
STORES := sqlite postgres memory
BAKE := build/lock
# The lock names the project, which is the slug; the bake's name is put back as Jinja after.
LOCKED_NAME := name = "chatkit-backend"
TEMPLATE_NAME := name = "{{ cookiecutter.project_slug | slugify }}"
LOCKED := {{cookiecutter.project_slug}}/_locked

.PHONY: lock

lock:
	set -e; for store in $(STORES); do \
	  rm -rf $(BAKE); \
	  $(PYTHON) -m cookiecutter . -o $(BAKE) --no-input store=$$store; \
	  $(MAKE) -C $(BAKE)/chatkit_backend lock; \
	  test "$$(grep -c '^$(LOCKED_NAME)$$' $(BAKE)/chatkit_backend/uv.lock)" = 1; \
	  sed 's/^$(LOCKED_NAME)$$/$(TEMPLATE_NAME)/' $(BAKE)/chatkit_backend/uv.lock \
	    > "$(LOCKED)/$$store/uv.lock"; \
	  cp $(BAKE)/chatkit_backend/backend/requirements*.txt "$(LOCKED)/$$store/"; \
	done
	rm -rf $(BAKE)
