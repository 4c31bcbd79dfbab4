"""Every router of the HTTP service, in the order ``api.py`` mounts them: pages first, then the REST API.

One list, so a new feature folder adds its router here and nowhere else; the role-matrix test walks the same app.
"""

from __future__ import annotations

from fastapi import APIRouter

from web.admin import api as admin_api
from web.admin import metrics as admin_metrics
from web.admin import policies as admin_policies
from web.admin import rulesets_page as admin_rulesets_page
from web.audit import api as audit_api
from web.audit import codec as audit_codec
from web.audit import finder_page as audit_finder_page
from web.audit import page as audit_page
from web.audit import retention as audit_retention
from web.auth import pages as auth_pages
from web.cases import api as cases_api
from web.cases import list_pages as cases_list_pages
from web.cases import page as cases_page
from web.cases import pipeline as cases_pipeline
from web.directory import api as directory_api
from web.forms import api as forms_api
from web.meetings import api as meetings_api
from web.meetings import pages as meetings_pages
from web.people import api as people_api
from web.people import pages as people_pages
from web.process import page as process_page
from web.programs import api as programs_api
from web.programs import appointments as programs_appointments
from web.reports import api as reports_api
from web.reports import kpis as reports_kpis
from web.reports import page as reports_page
from web.supervision import api as supervision_api
from web.supervision import pages as supervision_pages
from web.tasks import api as tasks_api
from web.tasks import notifications as tasks_notifications
from web.tasks import pages as tasks_pages

PAGE_ROUTERS: tuple[APIRouter, ...] = (
    auth_pages.router,
    tasks_pages.router,
    cases_list_pages.router,
    cases_pipeline.router,
    process_page.router,
    cases_page.router,
    forms_api.page_router,
    people_pages.router,
    audit_page.router,
    audit_finder_page.router,
    reports_page.router,
    supervision_pages.router,
    meetings_pages.router,
    admin_rulesets_page.router,
)

API_ROUTERS: tuple[APIRouter, ...] = (
    admin_api.router,
    cases_api.router,
    forms_api.router,
    people_api.router,
    audit_api.cases_router,
    programs_api.router,
    tasks_api.router,
    reports_kpis.router,
    tasks_notifications.router,
    directory_api.router,
    programs_appointments.router,
    audit_codec.router,
    audit_retention.router,
    admin_policies.router,
    reports_api.router,
    audit_api.router,
    supervision_api.router,
    meetings_api.router,
    admin_metrics.router,  # GET /metrics, for Prometheus (not in the OpenAPI document)
)
