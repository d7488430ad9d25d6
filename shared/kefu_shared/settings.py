"""Settings base class shared by every service (pydantic-settings)."""

from __future__ import annotations

from typing import Literal

from pydantic import AliasChoices, Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

Environment = Literal["development", "test", "staging", "production"]
KafkaSecurityProtocol = Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"]
KafkaSaslMechanism = Literal["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"]

# Secrets that ship in the repository for local development only.
DEV_JWT_SECRET = "dev-secret-change-me-kefu-local-development-only"
PLACEHOLDER_SECRETS = frozenset(
    {"", "changethis", "secret", "dev-secret-change-me", DEV_JWT_SECRET}
)


class TracingSettings(BaseSettings):
    """The standard OpenTelemetry variables that decide whether to trace (the SDK reads
    the rest -- endpoint, headers, sampler, resource attributes -- itself)."""

    model_config = SettingsConfigDict(env_prefix="OTEL_", extra="ignore")

    sdk_disabled: bool = False
    traces_exporter: str = ""  # "otlp", "console" (comma-separated), "none"
    exporter_otlp_endpoint: str = ""
    exporter_otlp_traces_endpoint: str = ""
    service_name: str = ""

    @property
    def requested(self) -> bool:
        """True if these variables configure a trace exporter: tracing is off otherwise."""
        if self.sdk_disabled:
            return False
        if self.traces_exporter.strip():
            return self.traces_exporter.strip().lower() != "none"
        return bool(self.exporter_otlp_endpoint or self.exporter_otlp_traces_endpoint)

    @property
    def exporters(self) -> list[str]:
        names = [n.strip().lower() for n in (self.traces_exporter or "otlp").split(",")]
        return [n for n in names if n]


class ServiceSettings(BaseSettings):
    """Common configuration; each service subclasses it with its own env prefix.

    Service-specific values read ``<PREFIX>_<NAME>`` (e.g. ``CUSTOMER_DATABASE_URL``);
    values every service shares read a global name (``KEFU_ENV``,
    ``KAFKA_BOOTSTRAP_SERVERS``, ``KEFU_JWT_SECRET``...) so one variable configures the
    whole stack.
    """

    model_config = SettingsConfigDict(env_prefix="KEFU_", extra="ignore", populate_by_name=True)

    service_name: str = "kefu"
    # Secure by default: a deployment that forgets KEFU_ENV gets production behaviour (no
    # dev tokens, placeholder secrets refused). `make run` sets development.
    env: Environment = Field("production", validation_alias=AliasChoices("KEFU_ENV"))
    database_url: str = "sqlite+aiosqlite:///./var/kefu.db"
    database_pool_size: int = 10
    database_echo: bool = False

    kafka_bootstrap_servers: str = Field(
        "127.0.0.1:9092", validation_alias=AliasChoices("KAFKA_BOOTSTRAP_SERVERS")
    )
    # Off on the dev broker (Tansu rejects it), on against a real Kafka cluster.
    kafka_enable_idempotence: bool = Field(
        False, validation_alias=AliasChoices("KAFKA_ENABLE_IDEMPOTENCE")
    )
    kafka_request_timeout_ms: int = Field(
        15000, validation_alias=AliasChoices("KAFKA_REQUEST_TIMEOUT_MS")
    )
    kafka_session_timeout_ms: int = Field(
        10000, validation_alias=AliasChoices("KAFKA_SESSION_TIMEOUT_MS")
    )
    kafka_heartbeat_interval_ms: int = Field(
        3000, validation_alias=AliasChoices("KAFKA_HEARTBEAT_INTERVAL_MS")
    )
    kafka_topic_partitions: int = Field(3, validation_alias=AliasChoices("KAFKA_TOPIC_PARTITIONS"))
    kafka_topic_replication: int = Field(
        1, validation_alias=AliasChoices("KAFKA_TOPIC_REPLICATION")
    )
    # False where an operator owns the topics (Strimzi KafkaTopic): the relay then does not
    # try to create them, which its ACLs would refuse anyway.
    kafka_manage_topics: bool = Field(True, validation_alias=AliasChoices("KAFKA_MANAGE_TOPICS"))
    # Authentication and encryption (a Strimzi KafkaUser: SASL_SSL with SCRAM-SHA-512, the
    # cluster CA mounted from its Secret). PLAINTEXT for the dev broker.
    kafka_security_protocol: KafkaSecurityProtocol = Field(
        "PLAINTEXT", validation_alias=AliasChoices("KAFKA_SECURITY_PROTOCOL")
    )
    kafka_sasl_mechanism: KafkaSaslMechanism | None = Field(
        None, validation_alias=AliasChoices("KAFKA_SASL_MECHANISM")
    )
    kafka_sasl_username: str | None = Field(
        None, validation_alias=AliasChoices("KAFKA_SASL_USERNAME")
    )
    kafka_sasl_password: str | None = Field(
        None, validation_alias=AliasChoices("KAFKA_SASL_PASSWORD")
    )
    kafka_ssl_cafile: str | None = Field(None, validation_alias=AliasChoices("KAFKA_SSL_CAFILE"))

    relay_enabled: bool = True
    relay_batch_size: int = 200
    relay_poll_interval_s: float = 0.2
    relay_max_backoff_s: float = 10.0
    # How often the relay checks that the broker still holds what it acknowledged, and
    # how many acknowledged rows per partition it remembers to republish from.
    relay_audit_interval_s: float = 2.0
    relay_audit_window: int = 50_000

    consumers_enabled: bool = True
    consumer_max_attempts: int = 5
    consumer_retry_backoff_s: float = 0.2

    jwt_secret: str = Field(DEV_JWT_SECRET, validation_alias=AliasChoices("KEFU_JWT_SECRET"))
    jwt_jwks_url: str | None = Field(None, validation_alias=AliasChoices("KEFU_JWT_JWKS_URL"))
    jwt_issuer: str = Field("kefu", validation_alias=AliasChoices("KEFU_JWT_ISSUER"))
    jwt_audience: str = Field("kefu", validation_alias=AliasChoices("KEFU_JWT_AUDIENCE"))
    # Tokens must carry exp and iat; exp - iat may not exceed this (24 h by default).
    jwt_max_lifetime_s: int = Field(
        24 * 3600, validation_alias=AliasChoices("KEFU_JWT_MAX_LIFETIME_S")
    )
    # Clock skew tolerated between the token issuer and this process.
    jwt_leeway_s: int = Field(30, validation_alias=AliasChoices("KEFU_JWT_LEEWAY_S"))

    # Largest request body any service (and the gateway) accepts; larger answers 413.
    max_request_body_bytes: int = Field(
        1024 * 1024, validation_alias=AliasChoices("KEFU_MAX_REQUEST_BODY_BYTES")
    )
    # Keys the HMAC of pagination cursors; empty means "derive it from jwt_secret".
    cursor_secret: str = Field("", validation_alias=AliasChoices("KEFU_CURSOR_SECRET"))

    log_level: str = Field("INFO", validation_alias=AliasChoices("KEFU_LOG_LEVEL"))
    log_json: bool = Field(True, validation_alias=AliasChoices("KEFU_LOG_JSON"))
    # OTEL_* variables (kefu_shared.tracing): tracing is off unless they configure it.
    tracing: TracingSettings = Field(default_factory=TracingSettings)

    @property
    def is_development(self) -> bool:
        return self.env == "development"

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @model_validator(mode="after")
    def _refuse_placeholder_secrets(self) -> ServiceSettings:
        weak = self.jwt_secret in PLACEHOLDER_SECRETS or len(self.jwt_secret) < 32
        if self.env in ("staging", "production") and self.jwt_jwks_url is None and weak:
            raise ValueError(
                "KEFU_JWT_SECRET is a placeholder; set a real secret or KEFU_JWT_JWKS_URL "
                f"when KEFU_ENV={self.env}"
            )
        return self

    @model_validator(mode="after")
    def _sasl_needs_credentials(self) -> ServiceSettings:
        if self.kafka_security_protocol.startswith("SASL_") and not (
            self.kafka_sasl_mechanism and self.kafka_sasl_username and self.kafka_sasl_password
        ):
            raise ValueError(
                f"KAFKA_SECURITY_PROTOCOL={self.kafka_security_protocol} needs "
                "KAFKA_SASL_MECHANISM, KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD"
            )
        return self
