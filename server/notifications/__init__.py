"""Notifications to the sales team: a WhatsApp template to the salesperson and a signed webhook to a CRM.

Rows come from the records' outbox (`tools.notifications`); `NotificationPump` delivers them from the worker
(a thread of `kavak-agent serve` in embedded mode, of each `kavak-agent worker` in production).
"""
