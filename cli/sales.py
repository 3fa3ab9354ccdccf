"""`kavak-agent leads` (list or export as CSV) and `kavak-agent staff add EMAIL` (accounts of the staff inbox)."""

from __future__ import annotations

import argparse
import getpass
import sys

from graph.resources import get_records_engine
from graph.settings import get_settings
from tools.lead_export import parse_since, write_csv
from tools.leads import STATUSES, LeadError, Leads
from tools.staff import MIN_PASSWORD, StaffAccounts, StaffError


def cmd_leads(args: argparse.Namespace) -> int:
    """Print the leads (newest activity first) as a table, or as CSV with --csv."""
    try:
        since = parse_since(args.since)
    except ValueError as exc:
        raise SystemExit(f"kavak-agent leads: {exc}") from exc
    try:
        leads = Leads(get_records_engine(get_settings())).list(status=args.status, since=since)
    except LeadError as exc:
        raise SystemExit(f"kavak-agent leads: {exc}") from exc
    if args.csv:
        write_csv(leads, sys.stdout)
        return 0
    if not leads:
        print("no leads")
        return 0
    print(f"{'lead':<13} {'status':<13} {'customer':<24} {'phone':<16} {'updated (UTC)':<17} cars")
    for lead in leads:
        print(
            f"{lead.lead_id:<13} {lead.status:<13} {(lead.customer_name or '—')[:24]:<24} "
            f"{(lead.phone or lead.channel):<16} {lead.updated_at:%Y-%m-%d %H:%M} {', '.join(lead.cars)}"
        )
    return 0


def _password(args: argparse.Namespace) -> str:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass(f"Password for {args.email} (at least {MIN_PASSWORD} characters): ")
    if getpass.getpass("Repeat it: ") != first:
        raise SystemExit("kavak-agent staff add: the passwords differ")
    return first


def cmd_staff_add(args: argparse.Namespace) -> int:
    """Create a staff account for the inbox (or set a new password with --reset)."""
    accounts = StaffAccounts(get_records_engine(get_settings()))
    try:
        email = accounts.add(args.email, _password(args), reset=args.reset)
    except StaffError as exc:
        raise SystemExit(f"kavak-agent staff add: {exc}") from exc
    print(f"{email} can sign in at /staff" + (" (password reset, sessions closed)" if args.reset else ""))
    return 0


def add_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register `leads` and `staff` on the main parser."""
    leads = sub.add_parser("leads", help="List the sales leads, or export them as CSV.")
    leads.add_argument("--status", choices=STATUSES, help="Only leads with this status.")
    leads.add_argument("--since", help="Only leads active since DATE (YYYY-MM-DD, Mexico City) or an ISO time.")
    leads.add_argument("--csv", action="store_true", help="CSV on standard output (for spreadsheets and CRMs).")
    leads.set_defaults(func=cmd_leads)

    staff = sub.add_parser("staff", help="Accounts of the staff inbox (/staff).")
    staff_sub = staff.add_subparsers(dest="staff_command", required=True)
    add = staff_sub.add_parser("add", help="Create an account; asks for the password.")
    add.add_argument("email")
    add.add_argument("--reset", action="store_true", help="Set a new password for an existing account.")
    add.add_argument("--password-stdin", action="store_true", help="Read the password from standard input.")
    add.set_defaults(func=cmd_staff_add)
