"""Settings of the sales team's side: the staff inbox's sign-in, and notifications to people and CRMs.

`ServerSettings` inherits them, so `serve` and `worker` read one settings object; `validate_sales` runs at boot.
"""

from __future__ import annotations

from pydantic import Field, SecretStr, field_validator

from graph.settings import Settings, blank_to_none


class SalesSettings(Settings):
    """Everything the staff inbox and the notification worker read from the environment."""

    staff_session_hours: float = Field(default=12, gt=0, le=24 * 30, description="A staff sign-in lasts this long.")
    staff_login_rate_limit: str = Field(
        default="5/minute;20/hour",
        description="Failed sign-ins allowed per address and per account, in `limits` notation.",
    )
    staff_cookie_secure: bool | None = Field(
        default=None,
        description="Mark the staff cookie Secure; unset: when PUBLIC_BASE_URL or the request is https.",
    )
    staff_reply_content_sid: str | None = Field(
        default=None,
        description="Approved WhatsApp template (Content SID, HX...) staff may send once the 24-hour window closed.",
    )
    sales_notify_to: str | None = Field(
        default=None, description="WhatsApp number told about booked visits and handoffs, e.g. whatsapp:+5255..."
    )
    sales_notify_content_sid: str | None = Field(
        default=None, description="Approved WhatsApp template (Content SID) of those notifications."
    )
    leads_webhook_url: str | None = Field(
        default=None, description="CRM endpoint that receives each booked visit and handoff as signed JSON."
    )
    leads_webhook_secret: SecretStr | None = Field(
        default=None, description="Signing secret of that webhook (Standard Webhooks, whsec_<base64>)."
    )
    notify_max_attempts: int = Field(default=10, ge=1, le=50, description="Attempts before a notification fails.")
    notify_retry_backoff_s: float = Field(default=5.0, ge=0, description="First retry delay; doubles each time.")
    notify_retry_max_s: float = Field(default=900.0, gt=0, description="Longest delay between two attempts.")
    notify_timeout_s: float = Field(default=10.0, gt=0, description="Timeout of one delivery attempt.")
    notify_poll_s: float = Field(default=1.0, gt=0, description="How often the worker looks for due notifications.")

    @field_validator(
        "staff_reply_content_sid",
        "sales_notify_to",
        "sales_notify_content_sid",
        "leads_webhook_url",
        "leads_webhook_secret",
        "staff_cookie_secure",
        mode="before",
    )
    @classmethod
    def _sales_blank_is_none(cls, value: object) -> object:
        return blank_to_none(value)

    @field_validator("staff_login_rate_limit")
    @classmethod
    def _login_rate_limit_parses(cls, value: str) -> str:
        from limits import parse_many

        try:
            parse_many(value)
        except ValueError as exc:
            raise ValueError(f"STAFF_LOGIN_RATE_LIMIT {value!r} is not in `limits` notation (e.g. 5/minute)") from exc
        return value

    def sales_problems(self) -> list[str]:
        """What is wrong with these settings (empty when they can run)."""
        problems = []
        if self.sales_notify_to and not self.sales_notify_to.startswith("whatsapp:+"):
            problems.append("SALES_NOTIFY_TO must look like whatsapp:+5215512345678")
        if self.sales_notify_to and not self.sales_notify_content_sid:
            problems.append("SALES_NOTIFY_CONTENT_SID must be set with SALES_NOTIFY_TO (WhatsApp needs a template)")
        if self.leads_webhook_url and not self.leads_webhook_url.startswith(("http://", "https://")):
            problems.append("LEADS_WEBHOOK_URL must start with http:// or https://")
        if self.leads_webhook_url and self.leads_webhook_secret is None:
            problems.append("LEADS_WEBHOOK_SECRET must be set with LEADS_WEBHOOK_URL")
        if self.leads_webhook_secret is not None:
            from standardwebhooks.webhooks import Webhook

            try:
                Webhook(self.leads_webhook_secret.get_secret_value())
            except Exception:
                problems.append("LEADS_WEBHOOK_SECRET must be whsec_ followed by base64 (e.g. from `openssl rand`)")
        return problems
