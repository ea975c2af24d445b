# Slotbot: a small image, running as an unprivileged user.
FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY bot bot
COPY conversations conversations
COPY core core
COPY storage storage
COPY locales locales
RUN pip install --no-cache-dir --prefix=/install . \
 && PYTHONPATH=/install/lib/python3.11/site-packages \
    python -m babel.messages.frontend compile -d locales -D messages

FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 \
    SLOTBOT_DATA_DIR=/data \
    SLOTBOT_LOCALES_DIR=/usr/local/share/slotbot/locales \
    SLOTBOT_HTTP_PORT=8080
COPY --from=build /install /usr/local
# Compiled catalogs (.mo) beside their sources: the bot loads the .mo files.
COPY --from=build /src/locales /usr/local/share/slotbot/locales
RUN useradd --system --uid 10001 --home-dir /data --create-home slotbot
USER slotbot
WORKDIR /data
VOLUME ["/data"]
# Webhook, /healthz and /metrics.
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 CMD ["slotbot", "health"]
ENTRYPOINT ["slotbot"]
CMD ["run"]
