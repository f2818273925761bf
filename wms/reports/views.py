"""The reports desk: a list of reports; each report's page with its filters, paged by the database; the same
rows, every page of them, as CSV."""
from flask import Blueprint, Response, abort, render_template, request, stream_with_context
from flask_babel import lazy_gettext as _l

from .. import clock, csv_export, desk
from ..access import blueprint_role
from ..auth.models import Role
from ..errors import DomainError
from ..extensions import db
from ..inventory.queries import count
from ..inventory.words import move_reason
from ..paging import Page
from . import queries

bp = blueprint_role(Blueprint("reports", __name__, url_prefix="/desk/reports"), Role.SUPERVISOR)


def register(app) -> None:
    app.register_blueprint(bp)
    desk.add_navigation(85, "reports.index", _l("Reports"))


def _report(name: str) -> queries.Report:
    report = queries.REPORTS.get(name)
    if report is None:
        abort(404)
    return report


@bp.get("/")
def index():
    return render_template("reports/index.html", reports=queries.REPORTS.values())


@bp.get("/<name>")
def report(name: str):
    report = _report(name)
    try:
        filters = queries.Filters.from_args(request.args)
    except DomainError as exc:
        return _page(report, queries.Filters(), [], Page.of(0, 1), error=str(exc)), exc.status
    query = report.build(filters)
    total = db.session.scalar(report.count(filters)) if report.count else count(query)
    page = Page.of(total, request.args.get("page", default=1, type=int))
    rows = queries.rows_of(report, db.session.execute(query.limit(page.per_page).offset(page.offset)))
    return _page(report, filters, rows, page)


def _page(report, filters, rows, page, error=None):
    reasons = report.reasons or ({r: move_reason(r) for r in queries.move_reasons()} if "reason" in report.filters else {})
    return render_template("reports/report.html", report=report, filters=filters, rows=rows, page=page,
                           reasons=reasons, error=error, args=filters.as_args())


@bp.get("/<name>.csv")
def export(name: str):
    report = _report(name)
    filters = queries.Filters.from_args(request.args)
    query = report.build(filters).execution_options(yield_per=1000)
    keys = [key for _heading, key in report.columns]

    def rows():
        for values in queries.rows_of(report, db.session.execute(query)):
            yield [str(report.reasons.get(values[k], values[k])) if k in ("kind",) else values[k] for k in keys]

    filename = f"{report.name}-{clock.today().isoformat()}.csv"
    return Response(stream_with_context(csv_export.lines([str(h) for h, _key in report.columns], rows())),
                    content_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})
