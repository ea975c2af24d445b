# Slotbot: a small image, running as an unprivileged user.
FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY bot bot
COPY conversations conversations
COPY core core
COPY storage storage
COPY locales locales
RUN pip install --no-cache-dir --prefix=/install .

FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 SLOTBOT_DATA_DIR=/data \
    SLOTBOT_LOCALES_DIR=/usr/local/share/slotbot/locales
COPY --from=build /install /usr/local
# The .po catalogs are compiled in memory at start: no build step, no .mo files.
COPY locales /usr/local/share/slotbot/locales
RUN useradd --system --uid 10001 --home-dir /data --create-home slotbot
USER slotbot
WORKDIR /data
VOLUME ["/data"]
ENTRYPOINT ["slotbot"]
CMD ["run"]
