"""Every door of the portal, in the order the app mounts them: the first route that matches a
path wins, so a door with fixed paths comes before one whose paths take a parameter at the
same place. Each domain package keeps its own doors (`web_public.py` for residents,
`web_staff.py` for staff, `api.py` for other systems); this list is the one place that says
which are mounted."""

from __future__ import annotations

from app.accounts import web_staff as accounts_web_staff
from app.accounts import web_staff_login as accounts_web_staff_login
from app.accounts import web_staff_tokens as accounts_web_staff_tokens
from app.cases import api as cases_api
from app.cases import api_public as cases_api_public
from app.cases import web_public as cases_web_public
from app.cases import web_staff as cases_web_staff
from app.dialogues import api as dialogues_api
from app.dialogues import web_public as dialogues_web_public
from app.dialogues import web_public_following as dialogues_web_public_following
from app.dialogues import web_staff as dialogues_web_staff
from app.disclosures import api as disclosures_api
from app.disclosures import web_public as disclosures_web_public
from app.disclosures import web_staff as disclosures_web_staff
from app.integration import api_events as integration_api_events
from app.integration import api_open311 as integration_api_open311
from app.integration import web_staff_webhooks as integration_web_staff_webhooks
from app.legal import api as legal_api
from app.legal import web_staff as legal_web_staff
from app.reception import api as reception_api
from app.reception import web_public as reception_web_public
from app.reception import web_staff as reception_web_staff
from app.reception import web_staff_admin as reception_web_staff_admin
from app.reporting import api as reporting_api
from app.reporting import web_public as reporting_web_public
from app.reporting import web_public_opendata as reporting_web_public_opendata
from app.reporting import web_staff as reporting_web_staff
from app.site import web_public as site_web_public

DOORS = (
    site_web_public,
    reporting_web_public,
    reporting_web_public_opendata,
    disclosures_web_public,
    cases_web_public,
    reception_web_public,
    dialogues_web_public_following,
    dialogues_web_public,
    accounts_web_staff_login,
    accounts_web_staff,
    disclosures_web_staff,
    cases_web_staff,
    reception_web_staff,
    reception_web_staff_admin,
    dialogues_web_staff,
    legal_web_staff,
    disclosures_api,
    legal_api,
    cases_api_public,
    cases_api,
    reception_api,
    dialogues_api,
    integration_api_events,
    reporting_api,
    reporting_web_staff,
    accounts_web_staff_tokens,
    integration_web_staff_webhooks,
    integration_api_open311,
)
