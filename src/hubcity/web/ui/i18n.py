"""Every user-facing string of the UI, in Korean and English, in one place.

``t(key, lang)`` looks a key up; a missing key is a bug the tests catch
(``MESSAGES`` must hold both languages for every key). Labels that belong to the
domain (themes, licences, update cycles, organisation kinds) come from the
domain's own ``{key: (ko, en)}`` tables through ``label()``.
"""

from __future__ import annotations

from typing import Literal

from starlette.requests import Request

from hubcity.domain.accounts import ORG_KIND_LABELS, OrgKind
from hubcity.domain.datasets import LICENCES, THEMES, UPDATE_CYCLES

__all__ = ["FIELD_HINTS", "HARVEST_FIELD_HINTS", "LANGS", "MESSAGES", "Lang", "label", "request_lang", "t"]

Lang = Literal["ko", "en"]
LANGS: tuple[Lang, ...] = ("ko", "en")

MESSAGES: dict[str, tuple[str, str]] = {
    # site and navigation
    "site.name": ("광주 데이터 허브", "Gwangju Data Hub"),
    "site.tagline": (
        "광주광역시 부서와 협력기관의 데이터를 한곳에서 찾고, 올리고, 함께 쓰는 데이터 기반 행정 플랫폼",
        "One place for Gwangju's departments and partners to find, publish and share data for evidence-based "
        "administration",
    ),
    "nav.home": ("홈", "Home"),
    "nav.datasets": ("데이터셋", "Datasets"),
    "nav.orgs": ("기관", "Organisations"),
    "nav.new_dataset": ("데이터셋 등록", "New dataset"),
    "nav.requests": ("데이터 제공신청", "Data requests"),
    "nav.sql": ("SQL 분석", "SQL"),
    # the SQL workspace
    "sql.title": ("SQL 분석", "SQL workspace"),
    "sql.intro": (
        "읽을 수 있는 모든 표를 SQL(읽기 전용 SELECT)로 합치고 집계합니다. "
        "표 이름은 \"데이터셋\".\"리소스\"이며, '@v3'이나 '@2026-11-01'을 붙이면 그 버전을 읽습니다.",
        "Join and aggregate every table you may read with SQL (read-only SELECT). Tables are "
        "\"dataset\".\"resource\"; add '@v3' or '@2026-11-01' to read that version.",
    ),
    "sql.editor": ("SQL 문", "SQL statement"),
    "sql.run": ("실행", "Run"),
    "sql.running": ("실행 중…", "Running…"),
    "sql.cancel": ("취소", "Cancel"),
    "sql.explain": ("실행 계획", "Plan"),
    "sql.tables": ("표 목록", "Tables"),
    "sql.no_tables": ("읽을 수 있는 표가 없습니다.", "No tables you may read."),
    "sql.rows": ("{n}행", "{n} rows"),
    "sql.rows_shown": ("{first}–{last}행", "rows {first}–{last}"),
    "sql.truncated": ("결과가 행 제한에서 잘렸습니다.", "The result was cut at the row limit."),
    "sql.elapsed": ("{ms} ms", "{ms} ms"),
    "sql.read": ("읽은 표", "Tables read"),
    "sql.next": ("다음 쪽", "Next page"),
    "sql.prev": ("이전 쪽", "Previous page"),
    "sql.link": ("이 쿼리의 링크", "Link to this query"),
    "sql.save": ("쿼리 저장", "Save query"),
    "sql.save_title": ("이름", "Title"),
    "sql.save_description": ("설명", "Description"),
    "sql.save_shared": (
        "링크를 아는 사람에게 공유 (각자 자기 권한으로 실행)",
        "Share by link (each runs it with their own rights)",
    ),
    "sql.saved": ("저장된 쿼리", "Saved queries"),
    "sql.saved_by": ("작성자 {owner}", "by {owner}"),
    "sql.none_saved": ("저장한 쿼리가 없습니다.", "No saved queries yet."),
    "sql.sign_in_to_save": ("쿼리를 저장하려면 로그인하세요.", "Sign in to save queries."),
    "sql.error": ("쿼리를 실행하지 못했습니다.", "The query could not run."),
    # charts, dashboards and evidence packs
    "nav.dashboards": ("대시보드", "Dashboards"),
    "nav.evidence": ("증거 자료", "Evidence"),
    "sql.make_chart": ("차트 만들기", "Make a chart"),
    "chart.new": ("차트 만들기", "Make a chart"),
    "chart.kind": ("종류", "Kind"),
    "chart.x": ("x축 · 범주 (지도: 경도, 히트 표: 행정동)", "x · category (map: longitude, heat: dong)"),
    "chart.y": ("y축 · 값 (지도: 위도)", "y · value (map: latitude)"),
    "chart.color": ("색 · 계열", "Colour · series"),
    "chart.aggregate": ("집계", "Aggregate"),
    "chart.title": ("제목", "Title"),
    "chart.preview": ("미리 보기", "Preview"),
    "chart.save": ("차트 저장", "Save chart"),
    "chart.shared": ("링크가 있는 사람에게 공개(각자 자기 권한으로 봄)", "Anyone with the link (own rights)"),
    "chart.data": ("데이터 (SQL)", "Data (SQL)"),
    "chart.download": ("내려받기", "Download"),
    "chart.to_dashboard": ("대시보드에 추가", "Add to dashboard"),
    "chart.new_dashboard": ("새 대시보드 이름", "New dashboard title"),
    "chart.to_evidence": ("증거 자료로 만들기", "Make an evidence pack"),
    "chart.mine": ("내 차트", "My charts"),
    "dash.title": ("대시보드", "Dashboards"),
    "dash.new": ("새 대시보드", "New dashboard"),
    "dash.none": ("대시보드가 없습니다.", "No dashboards yet."),
    "dash.filters": ("필터 (열 이름, 쉼표로 구분)", "Filters (column names, comma-separated)"),
    "dash.apply": ("필터 적용", "Apply filters"),
    "dash.applied": ("적용한 필터", "Filters applied"),
    "dash.not_applied": ("이 타일의 데이터에는 필터 열이 없습니다", "This tile's data has no filter column"),
    "dash.embed": ("삽입용 주소", "Embed link"),
    "dash.add_number": ("숫자 타일 추가", "Add a number tile"),
    "dash.earlier": ("앞으로", "Earlier"),
    "dash.later": ("뒤로", "Later"),
    "dash.width": ("너비(칸)", "Width (columns)"),
    "dash.resize": ("너비 적용", "Set width"),
    "dash.remove": ("타일 빼기", "Remove tile"),
    "dash.number_sql": ("숫자 하나를 내는 SQL", "SQL answering one number"),
    "dash.description": ("설명", "Description"),
    "dash.shared": ("링크로 공유", "Shared by link"),
    "dash.private": ("비공개", "Private"),
    "dash.create": ("만들기", "Create"),
    "dash.empty": ("타일이 없습니다. 차트 페이지에서 추가하세요.", "No tiles; add them from a chart."),
    "ev.title": ("증거 자료", "Evidence packs"),
    "ev.none": ("열어 볼 수 있는 증거 자료가 없습니다.", "No evidence packs you may open."),
    "ev.pack_title": ("제목", "Title"),
    "ev.narrative": ("설명 (정책 근거)", "Narrative"),
    "ev.shared_with": ("함께 볼 사용자 (아이디, 쉼표로 구분)", "Share with (usernames, comma-separated)"),
    "ev.share_link": (
        "링크로 공유 (고정한 표를 모두 읽을 수 있는 사람은 누구나 열 수 있습니다)",
        "Share by link (anyone who may read every pinned table can open it)",
    ),
    "ev.is_shared": ("링크로 공유 중입니다.", "Shared by link."),
    "ev.is_private": ("나와 지정한 사용자만 볼 수 있습니다.", "Only you and the users named can open it."),
    "ev.share": ("링크로 공유하기", "Share by link"),
    "ev.unshare": ("링크 공유 끄기", "Stop sharing by link"),
    "ev.create": ("증거 자료 만들기", "Create evidence pack"),
    "ev.permanent": ("영구 주소", "Permanent URL"),
    "ev.created": ("작성 {owner} · {at}", "by {owner} · {at}"),
    "ev.pinned": ("고정한 데이터 버전", "Pinned dataset versions"),
    "ev.result": ("생성 당시의 결과", "Result at creation"),
    "ev.sql": ("버전이 고정된 SQL", "SQL with pinned versions"),
    "ev.rerun": ("최신 버전으로 다시 실행", "Re-run against the newest versions"),
    "ev.drift": ("증거 변동 (evidence drift)", "Evidence drift"),
    "ev.no_drift": ("최신 버전으로 다시 실행해도 숫자가 같습니다.", "Same numbers on the newest versions."),
    "ev.drifted": ("숫자가 바뀌었습니다: {n}개 셀", "The numbers changed: {n} cells"),
    "ev.newer": ("고정한 버전보다 새 버전이 있는 데이터", "Datasets with newer versions than pinned"),
    "ev.added": ("새로 생긴 행 {n}개", "{n} new rows"),
    "ev.removed": ("사라진 행 {n}개", "{n} rows gone"),
    "ev.cell": ("행", "Row"),
    "ev.column": ("열", "Column"),
    "ev.old": ("이전 값", "Old"),
    "ev.new": ("새 값", "New"),
    "nav.tokens": ("API 토큰", "API tokens"),
    "nav.login": ("로그인", "Sign in"),
    "nav.logout": ("로그아웃", "Sign out"),
    "nav.skip": ("본문 바로가기", "Skip to content"),
    "nav.notices": ("알림", "Notices"),
    "nav.notices_unread": ("읽지 않은 알림 {n}건", "{n} unread notices"),
    "notice.title": ("알림", "Notices"),
    "notice.intro": (
        "접근 요청의 도착, 결정 기한 임박·초과, 내 요청의 결정을 알려 드립니다. "
        "메일 주소가 있고 메일 발송이 설정되어 있으면 메일로도 보냅니다.",
        "Access requests waiting for you, decisions due soon or overdue, and decisions on your own "
        "requests. They also go out by e-mail when mail is set up and you have an address.",
    ),
    "notice.all": ("전체", "All"),
    "notice.unread": ("읽지 않음", "Unread"),
    "notice.mark_all": ("모두 읽음으로 표시", "Mark all read"),
    "notice.none": ("알림이 없습니다.", "No notices."),
    "notice.new": ("새 알림", "New"),
    "notice.mailed": ("메일 발송 {at}", "Mailed {at}"),
    "notice.open": ("열기", "Open"),
    "nav.main": ("주 메뉴", "Main menu"),
    "nav.language": ("언어", "Language"),
    "nav.signed_in_as": ("로그인 사용자", "Signed in as"),
    "footer.json": ("JSON", "JSON"),
    "footer.json_title": ("이 페이지의 내용을 JSON으로 보기", "This page as JSON"),
    "footer.api": ("API 문서", "API docs"),
    "footer.about": (
        "hubcity — 데이터 · 융합 · 실증. 오픈 소스 데이터 기반 도시 행정 플랫폼.",
        "hubcity — data, convergence, testbed. Open-source platform for data-driven city administration.",
    ),
    # home
    "home.search_label": ("데이터셋 검색", "Search datasets"),
    "home.search_placeholder": ("예: 인구, 주차장, 버스 정류장", "e.g. population, parking, bus stops"),
    "home.search_button": ("검색", "Search"),
    "home.recent": ("최근 갱신된 데이터셋", "Recently updated datasets"),
    "home.popular": ("많이 찾는 데이터셋", "Popular datasets"),
    "home.orgs": ("기관별 데이터", "Data by organisation"),
    "home.all_datasets": ("전체 데이터셋 보기", "All datasets"),
    "home.total": ("볼 수 있는 데이터셋 {n}개", "{n} datasets you can see"),
    "home.empty": ("아직 데이터셋이 없습니다.", "No datasets yet."),
    # dataset list
    "list.title": ("데이터셋 목록", "Datasets"),
    "list.results": ("검색 결과 {n}건", "{n} datasets"),
    "list.filters": ("필터", "Filters"),
    "list.filter_org": ("기관", "Organisation"),
    "list.filter_theme": ("분류", "Theme"),
    "list.filter_licence": ("이용 허락 (라이선스)", "Licence"),
    "list.filter_format": ("파일 형식", "Format"),
    "list.filter_district": ("자치구", "District"),
    "list.filter_cycle": ("갱신 주기", "Update cycle"),
    "list.did_you_mean": ("이것을 찾으셨나요?", "Did you mean"),
    "list.clear_filters": ("필터 모두 지우기", "Clear all filters"),
    "list.remove_filter": ("필터 해제", "Remove filter"),
    "list.sort": ("정렬", "Sort"),
    "list.sort_relevance": ("관련도순", "Relevance"),
    "list.sort_updated": ("최근 갱신순", "Recently updated"),
    "list.sort_created": ("최근 등록순", "Newest"),
    "list.sort_popular": ("인기순", "Most popular"),
    "list.sort_title": ("제목순", "Title"),
    "list.apply": ("적용", "Apply"),
    "list.none": ("조건에 맞는 데이터셋이 없습니다.", "No datasets match."),
    "list.prev": ("이전", "Previous"),
    "list.next": ("다음", "Next"),
    "list.page": ("{page} / {pages} 쪽", "Page {page} of {pages}"),
    "list.pagination": ("쪽 이동", "Pagination"),
    "list.views": ("조회 {n}", "{n} views"),
    "list.downloads": ("내려받기 {n}", "{n} downloads"),
    "list.api_calls": ("API 호출 {n}", "{n} API calls"),
    "ds.usage_note": (
        "횟수만 셉니다. 누가 보거나 내려받았는지는 기록하지 않습니다. API 호출은 /api/v1로 이 데이터셋의 "
        "정보·행·파일을 읽은 횟수입니다.",
        "Only counts are kept, never who. API calls are reads of this dataset's metadata, rows or files "
        "through /api/v1.",
    ),
    # dataset page
    "ds.metadata": ("메타데이터", "Metadata"),
    "ds.title_en": ("영문 제목", "English title"),
    "ds.owner": ("제공 기관", "Publisher"),
    "ds.contact": ("책임관 / 담당자", "Contact"),
    "ds.keywords": ("키워드", "Keywords"),
    "ds.theme": ("분류", "Theme"),
    "ds.licence": ("이용 허락", "Licence"),
    "ds.update_cycle": ("갱신 주기", "Update cycle"),
    "ds.temporal": ("시간 범위", "Temporal coverage"),
    "ds.spatial": ("공간 범위", "Spatial coverage"),
    "ds.created": ("등록일", "Created"),
    "ds.updated": ("수정일", "Updated"),
    "ds.usage": ("이용 현황", "Usage"),
    "ds.quality": ("품질 점수", "Quality score"),
    "ds.resources": ("리소스", "Resources"),
    "ds.no_resources": ("아직 올린 파일이 없습니다.", "No files uploaded yet."),
    "ds.upload": ("파일 올리기", "Upload a file"),
    "ds.rows": ("행", "rows"),
    "ds.columns": ("열", "columns"),
    "ds.preview": ("미리보기", "Preview"),
    "ds.preview_note": ("전체 {total}행 중 처음 {n}행", "First {n} of {total} rows"),
    "ds.not_table": (
        "표 형식이 아닌 파일이라 미리보기가 없습니다. 원본을 내려받으세요.",
        "This file is not a table, so there is no preview; download the original.",
    ),
    "ds.no_version": ("아직 게시된 버전이 없습니다.", "No version has been published yet."),
    "ds.profile": ("열 프로파일", "Column profile"),
    "ds.col_name": ("열 이름", "Column"),
    "ds.col_original": ("원본 이름", "Original name"),
    "ds.col_type": ("형식", "Type"),
    "ds.col_nulls": ("빈 값", "Nulls"),
    "ds.col_distinct": ("고유값", "Distinct"),
    "ds.col_min": ("최솟값", "Min"),
    "ds.col_max": ("최댓값", "Max"),
    "ds.col_top": ("자주 나오는 값", "Top values"),
    "ds.col_personal": ("개인정보", "Personal data"),
    "ds.legal_basis": ("개인정보 처리 법적 근거", "Legal basis for personal data"),
    "pii.kind.rrn": ("주민등록번호", "RRN"),
    "pii.kind.foreigner_rn": ("외국인등록번호", "Foreigner reg. no."),
    "pii.kind.business_no": ("사업자등록번호", "Business reg. no."),
    "pii.kind.corporate_no": ("법인등록번호", "Corporate reg. no."),
    "pii.kind.phone": ("전화번호", "Phone"),
    "pii.kind.card": ("카드번호", "Card number"),
    "pii.kind.email": ("전자우편", "E-mail"),
    "pii.kind.passport": ("여권번호", "Passport no."),
    "pii.kind.driver_licence": ("운전면허번호", "Driver's licence"),
    "pii.kind.address": ("주소", "Address"),
    "pii.kind.name": ("이름", "Name"),
    "pii.status.suspected": ("의심", "suspected"),
    "pii.status.confirmed": ("확정", "confirmed"),
    "pii.status.dismissed": ("기각", "dismissed"),
    "pii.confidence": ("신뢰도", "confidence"),
    "pii.confirm": ("개인정보 맞음", "Confirm"),
    "pii.dismiss": ("아님", "Dismiss"),
    "pii.decided_by": ("{who} 님이 결정", "decided by {who}"),
    "pii.redacted": ("개인정보로 보여 표본 값을 감춤", "sample values hidden: personal data"),
    "ds.quality_report": ("품질 진단", "Quality report"),
    "ds.quality_overall": ("종합 점수", "Overall score"),
    "ds.rule": ("진단 규칙", "Rule"),
    "ds.rule_column": ("열", "Column"),
    "ds.checked": ("검사 값", "Checked"),
    "ds.failing": ("오류 값", "Failing"),
    "ds.error_rate": ("오류율", "Error rate"),
    "ds.examples": ("오류 행 예시", "Example rows"),
    "ds.no_checks": ("진단할 규칙이 없습니다.", "No rules applied."),
    "ds.warnings": ("읽기 경고", "Warnings"),
    "ds.warning_row": ("행", "row"),
    "ds.warning_column": ("열", "column"),
    "ds.versions": ("버전 이력", "Version history"),
    "ds.version": ("버전", "Version"),
    "ds.version_current": ("현재", "current"),
    "ds.version_by": ("올린 사람", "By"),
    "ds.version_when": ("일시", "When"),
    "ds.version_file": ("파일", "File"),
    "ds.version_size": ("크기", "Size"),
    "ds.version_encoding": ("원본 인코딩", "Source encoding"),
    "ds.version_view": ("보기", "View"),
    "ds.downloads": ("내려받기", "Download"),
    "ds.viewing_version": ("버전 {n}을(를) 보고 있습니다.", "You are viewing version {n}."),
    "ds.back_current": ("현재 버전 보기", "Show the current version"),
    "ds.open_formats": ("개방 표준 형식", "Open standard formats"),
    "ds.open_formats_note": (
        "목록 수집기와 프로그램용 메타데이터 (DCAT-AP 3, Frictionless 데이터 패키지)",
        "Metadata for harvesters and programs (DCAT-AP 3, Frictionless data package)",
    ),
    "dl.csv": ("CSV (UTF-8, BOM)", "CSV (UTF-8 with BOM)"),
    "dl.csv-cp949": ("CSV (CP949, 엑셀용)", "CSV (CP949, for Excel)"),
    "dl.xlsx": ("엑셀 (XLSX)", "Excel (XLSX)"),
    "dl.parquet": ("Parquet", "Parquet"),
    "dl.json": ("JSON", "JSON"),
    "dl.jsonl": ("JSON Lines", "JSON Lines"),
    "dl.source": ("원본 파일", "Original file"),
    "vis.public": ("공개", "Public"),
    "vis.internal": ("내부", "Internal"),
    "vis.restricted": ("제한", "Restricted"),
    "vis.public_help": ("누구나 볼 수 있습니다", "Anyone can see it"),
    "vis.internal_help": ("로그인한 시 직원만", "Signed-in city staff only"),
    "vis.restricted_help": ("제공 기관 구성원만", "Members of the publishing organisation only"),
    # new dataset form
    "form.new_title": ("새 데이터셋 등록", "New dataset"),
    "form.name": ("식별자 (URL 이름)", "Name (used in the URL)"),
    "form.name_help": (
        "영문 소문자, 숫자, '-', '_' (예: gwangju-population)",
        "lowercase letters, digits, '-', '_'",
    ),
    "form.title": ("제목", "Title"),
    "form.title_en": ("영문 제목", "English title"),
    "form.owner_org": ("제공 기관", "Publishing organisation"),
    "form.visibility": ("공개 범위", "Visibility"),
    "form.theme": ("분류 (공공데이터포털 16개 분류)", "Theme (data.go.kr categories)"),
    "form.licence": ("이용 허락 (공공누리)", "Licence (KOGL)"),
    "form.keywords": ("키워드", "Keywords"),
    "form.keywords_help": ("쉼표로 구분 (예: 인구, 행정동)", "comma-separated"),
    "form.description": ("설명", "Description"),
    "form.update_cycle": ("갱신 주기", "Update cycle"),
    "form.contact_name": ("책임관 / 담당자 이름", "Contact name"),
    "form.contact_email": ("담당자 이메일", "Contact e-mail"),
    "form.contact_phone": ("담당자 전화번호", "Contact phone"),
    "form.temporal_start": ("시간 범위 시작", "Temporal coverage from"),
    "form.temporal_end": ("시간 범위 끝", "Temporal coverage to"),
    "form.spatial_coverage": ("공간 범위", "Spatial coverage"),
    "form.choose": ("선택하세요", "Choose"),
    "form.none": ("지정하지 않음", "Not set"),
    "form.submit_create": ("등록", "Create"),
    "form.required": ("필수", "required"),
    "form.has_errors": ("입력값을 확인해 주세요.", "Please check the fields below."),
    "form.no_orgs": (
        "데이터셋을 등록할 수 있는 기관이 없습니다. 기관 관리자에게 편집자 권한을 요청하세요.",
        "You are not an editor of any organisation; ask an organisation admin for the editor role.",
    ),
    # upload
    "up.title": ("파일 올리기", "Upload a file"),
    "up.intro": (
        "CSV, 엑셀(XLSX/XLS), JSON, Parquet 파일을 올리면 새 리소스나 기존 리소스의 새 버전이 됩니다. "
        "인코딩(UTF-8, CP949)은 파일 전체를 읽어 자동으로 알아냅니다.",
        "Upload CSV, Excel (XLSX/XLS), JSON or Parquet: it becomes a new resource or a new version of one. "
        "The encoding (UTF-8, CP949) is detected over the whole file.",
    ),
    "up.file": ("파일", "File"),
    "up.resource": ("리소스 이름 (선택)", "Resource name (optional)"),
    "up.resource_help": (
        "기존 리소스 이름을 쓰면 새 버전이 됩니다. 비우면 파일 이름으로 정합니다.",
        "Use an existing resource's name to add a version; leave empty to name it after the file.",
    ),
    "up.encoding": ("인코딩", "Encoding"),
    "up.encoding_auto": ("자동 감지", "Detect automatically"),
    "up.sheet": ("시트 이름 (엑셀, 선택)", "Sheet (Excel, optional)"),
    "up.submit": ("올리기", "Upload"),
    "up.sending": ("파일 전송", "Sending the file"),
    "up.ingest": ("읽고 변환하기", "Reading and converting"),
    "up.rows_read": ("{n}행 읽음", "{n} rows read"),
    "up.done": ("완료되었습니다. 데이터셋 페이지로 이동합니다…", "Done. Opening the dataset page…"),
    "up.failed": ("파일을 처리하지 못했습니다.", "The file could not be processed."),
    "up.where": ("위치", "Where"),
    "up.intact": (
        "이전 버전은 그대로 남아 있으며 계속 사용할 수 있습니다.",
        "The previous version is intact and still available.",
    ),
    "up.existing": ("기존 리소스", "Existing resources"),
    "up.network_error": (
        "네트워크 오류로 전송하지 못했습니다.",
        "The upload failed because of a network error.",
    ),
    # jobs
    "job.title": ("처리 작업", "Job"),
    "job.state": ("상태", "State"),
    "job.state.queued": ("대기 중", "Queued"),
    "job.state.running": ("처리 중", "Running"),
    "job.state.succeeded": ("완료", "Succeeded"),
    "job.state.failed": ("실패", "Failed"),
    "job.refreshing": (
        "이 페이지는 작업이 끝날 때까지 자동으로 새로 고칩니다.",
        "This page refreshes until the job ends.",
    ),
    "job.open_dataset": ("데이터셋 보기", "Open the dataset"),
    "job.file": ("파일", "File"),
    # organisations
    "org.title": ("기관", "Organisations"),
    "org.intro": (
        "광주광역시의 실·국, 과, 팀, 구청과 협력기관·기업입니다.",
        "Gwangju's bureaus, departments, teams and district offices, with partner institutions "
        "and companies.",
    ),
    "org.datasets": ("데이터셋", "Datasets"),
    "org.dataset_count": ("데이터셋 {n}개", "{n} datasets"),
    "org.parent": ("상위 기관", "Parent"),
    "org.children": ("하위 기관", "Sub-organisations"),
    "org.kind": ("종류", "Kind"),
    "org.none": ("등록된 기관이 없습니다.", "No organisations yet."),
    # login and tokens
    "login.title": ("로그인", "Sign in"),
    "login.username": ("사용자 이름", "Username"),
    "login.password": ("비밀번호", "Password"),
    "login.submit": ("로그인", "Sign in"),
    "login.already": ("이미 로그인되어 있습니다.", "You are already signed in."),
    "audit.title": ("감사 로그", "Audit log"),
    "audit.link": ("감사 로그 보기", "View the audit log"),
    "audit.intro": (
        "이 데이터셋의 제한 데이터 열람, 내려받기, 메타데이터 변경 기록입니다. 기록은 해시 체인으로 이어져 "
        "고치거나 지우면 드러납니다.",
        "Reads of this dataset's restricted data, its downloads and metadata changes. The entries are "
        "hash-chained: an edit or a removal shows.",
    ),
    "audit.actor": ("사용자", "User"),
    "audit.action": ("행위", "Action"),
    "audit.since": ("부터", "From"),
    "audit.until": ("까지(전)", "Until (before)"),
    "audit.filter": ("거르기", "Filter"),
    "audit.export_csv": ("CSV로 내보내기", "Export CSV"),
    "audit.export_jsonl": ("JSON Lines로 내보내기", "Export JSON Lines"),
    "audit.count": ("항목 {n}개", "{n} entries"),
    "audit.at": ("시각", "Time"),
    "audit.object": ("대상", "Object"),
    "audit.columns": ("열", "Columns"),
    "audit.rows": ("행 수", "Rows"),
    "audit.details": ("내용", "Details"),
    "audit.hash": ("해시", "Hash"),
    "audit.none": ("기록이 없습니다.", "No entries."),
    "tokens.title": ("API 토큰", "API tokens"),
    "tokens.intro": (
        "API 토큰으로 스크립트나 다른 프로그램이 내 권한으로 API를 쓸 수 있습니다. "
        "요청 헤더에 Authorization: Bearer <토큰>을 넣으세요.",
        "API tokens let scripts and other programs use the API with your rights. "
        "Send the header Authorization: Bearer <token>.",
    ),
    "tokens.name": ("토큰 이름", "Token name"),
    "tokens.expires": ("유효 기간 (일, 선택)", "Expires after (days, optional)"),
    "tokens.create": ("토큰 만들기", "Create token"),
    "tokens.created": (
        "새 토큰입니다. 지금만 보여 드리니 안전한 곳에 복사해 두세요.",
        "Your new token. It is shown only now: copy it somewhere safe.",
    ),
    "tokens.prefix": ("앞자리", "Prefix"),
    "tokens.created_at": ("만든 날", "Created"),
    "tokens.expires_at": ("만료", "Expires"),
    "tokens.last_used": ("마지막 사용", "Last used"),
    "tokens.status": ("상태", "Status"),
    "tokens.active": ("사용 중", "Active"),
    "tokens.revoked": ("폐기됨", "Revoked"),
    "tokens.expired": ("만료됨", "Expired"),
    "tokens.revoke": ("폐기", "Revoke"),
    "tokens.none": ("토큰이 없습니다.", "No tokens yet."),
    "tokens.never": ("없음", "never"),
    "tokens.used_today": ("오늘 쿼리", "Queries today"),
    "tokens.quota": (
        "쿼리(SQL, 행 조회, 집계, CKAN datastore)는 토큰마다 따로 셉니다. 분당 {per_minute}회, "
        "하루 {per_day}회(한국 시간 자정에 다시 채워짐)를 넘으면 429와 Retry-After로 답합니다.",
        "Queries (SQL, rows, aggregates, CKAN datastore) count per token. Beyond {per_minute} a minute or "
        "{per_day} a day (renewed at midnight Korean time) the API answers 429 with Retry-After.",
    ),
    "tokens.unlimited": ("제한 없이", "any number"),
    "tokens.quota_none": ("이 역할의 쿼리에는 횟수 제한이 없습니다.", "Queries of your role have no limits."),
    # citizens' data requests (공공데이터 제공신청)
    "req.board_title": ("데이터 제공신청", "Data requests"),
    "req.board_intro": (
        "광주광역시가 아직 공개하지 않은 데이터가 필요하면 누구나 로그인 없이 제공을 신청할 수 있습니다. "
        "담당 부서가 {days}일 안에 제공 여부를 답변하며(공공데이터법), 신청과 답변은 이 게시판에 공개됩니다.",
        "Anyone can ask, without signing in, for data Gwangju does not publish yet. The department in charge "
        "answers within {days} days (Public Data Act); requests and answers are public on this board.",
    ),
    "req.new_button": ("데이터 제공 신청하기", "Request data"),
    "req.filter_status": ("처리 상태", "Status"),
    "req.filter_org": ("담당 부서", "Department"),
    "req.filter_all": ("전체", "All"),
    "req.filter_unassigned": ("담당 부서 지정 전", "Not yet assigned"),
    "req.filter_overdue": ("처리 기한이 지난 신청만", "Only overdue requests"),
    "req.results": ("신청 {n}건", "{n} requests"),
    "req.none": ("조건에 맞는 신청이 없습니다.", "No requests match."),
    "req.col_no": ("번호", "No."),
    "req.col_title": ("제목", "Title"),
    "req.col_org": ("담당 부서", "Department"),
    "req.col_status": ("처리 상태", "Status"),
    "req.col_created": ("신청일", "Filed"),
    "req.col_due": ("처리 기한", "Due"),
    "req.overdue": ("기한 지남", "Overdue"),
    "req.days_left": ("{n}일 남음", "{n} days left"),
    "req.due_today": ("오늘까지", "due today"),
    "req.unassigned": ("지정 전", "Not assigned"),
    "req.new_title": ("데이터 제공 신청", "Request data"),
    "req.new_intro": (
        "찾는 데이터가 데이터셋 목록에 없으면 신청해 주세요. 담당 부서가 {days}일 안에 답변합니다. "
        "신청 내용과 답변은 게시판에 공개되니 개인정보는 적지 마세요.",
        "If the data you need is not in the catalogue, ask for it here. The department in charge answers "
        "within {days} days. Requests and answers are public, so leave personal details out of them.",
    ),
    "req.f_title": ("필요한 데이터 (제목)", "Data you need (title)"),
    "req.f_title_help": (
        "예: 공영주차장 시간대별 이용 현황 (200자 이내)",
        "e.g. hourly use of public car parks (up to 200 characters)",
    ),
    "req.f_description": ("내용: 어떤 데이터가 왜 필요한가요?", "Details: what data, and why?"),
    "req.f_description_help": (
        "필요한 항목, 기간, 지역, 활용 목적을 적어 주세요 (5,000자 이내).",
        "The fields, period, area and what you will use it for (up to 5,000 characters).",
    ),
    "req.f_org": ("담당 부서 제안 (선택)", "Suggested department (optional)"),
    "req.f_org_help": (
        "고르면 그 부서가 담당합니다. 시에서 다른 부서로 바꿀 수 있습니다.",
        "The department you choose takes the request; the city may pass it to another one.",
    ),
    "req.f_org_none": ("잘 모르겠습니다 (시에서 지정)", "Not sure (the city assigns one)"),
    "req.f_name": ("신청인 이름 (선택)", "Your name (optional)"),
    "req.f_name_help": (
        "게시판에는 일부만 보입니다 (예: 홍*동).",
        "Shown partly masked on the board (e.g. 홍*동).",
    ),
    "req.f_email": ("이메일 (선택)", "E-mail (optional)"),
    "req.f_email_help": (
        "이메일은 공개되지 않으며 담당 부서 직원만 볼 수 있습니다. 알림 메일은 보내지 않으니 "
        "답변은 신청 페이지에서 확인하세요.",
        "Your e-mail is never public: only staff of the department in charge can see it. No e-mail is "
        "sent; check the answer on the request's page.",
    ),
    "req.hp_label": ("이 칸은 비워 두세요", "Leave this field empty"),
    "req.privacy_note": (
        "이름과 이메일은 선택입니다. 접속 주소(IP)는 저장하지 않습니다.",
        "Name and e-mail are optional. Your network (IP) address is not stored.",
    ),
    "req.submit": ("신청하기", "Send the request"),
    "req.filed_notice": (
        "신청이 접수되었습니다. 처리 기한은 {due}입니다. 이메일 알림은 없으니 이 페이지 주소를 저장해 두고 "
        "답변을 확인하세요.",
        "Your request was received and is due by {due}. No e-mail is sent: keep this page's address to "
        "check the answer.",
    ),
    "req.summary": ("신청 정보", "Request"),
    "req.suggested": ("신청인이 제안한 부서", "Suggested department"),
    "req.requester": ("신청인", "Requester"),
    "req.anonymous": ("익명", "Anonymous"),
    "req.email": ("이메일 (담당 부서만 봄)", "E-mail (department staff only)"),
    "req.answered_at": ("답변일", "Answered"),
    "req.answer": ("답변", "Answer"),
    "req.no_answer": ("아직 답변이 없습니다.", "No answer yet."),
    "req.dataset": ("제공 데이터셋", "Dataset provided"),
    "req.history": ("처리 이력", "History"),
    "req.h_when": ("일시", "When"),
    "req.h_status": ("상태", "Status"),
    "req.h_org": ("담당 부서", "Department"),
    "req.h_note": ("내용", "Note"),
    "req.h_by": ("처리자", "By"),
    "req.answer_form": ("답변 및 상태 변경", "Answer and status"),
    "req.assign_form": ("담당 부서 지정", "Assign a department"),
    "req.a_org": ("담당 부서", "Department"),
    "req.a_status": ("처리 상태", "Status"),
    "req.a_answer": ("답변 (제공 불가이면 그 사유)", "Answer (the reason, when refused)"),
    "req.a_dataset": ("제공 데이터셋 (제공 완료일 때)", "Dataset (when published)"),
    "req.a_dataset_help": (
        "공개 데이터셋의 식별자(URL 이름), 예: parking-lots",
        "The public dataset's name as in its URL, e.g. parking-lots",
    ),
    "req.a_submit": ("저장", "Save"),
    "req.assign_submit": ("지정", "Assign"),
    "req.back": ("게시판으로 돌아가기", "Back to the board"),
    # errors
    "error.title": ("오류", "Error"),
    "error.home": ("홈으로 가기", "Go to the home page"),
    "error.back": ("이전 페이지로", "Go back"),
    # column types (ColumnType values)
    "type.integer": ("정수", "integer"),
    "type.decimal": ("실수", "decimal"),
    "type.text": ("문자", "text"),
    "type.date": ("날짜", "date"),
    "type.timestamp": ("일시", "timestamp"),
    "type.boolean": ("참/거짓", "boolean"),
    # misc
    # harvesting (web/ui/harvest.py)
    "harvest.title": ("수집(하베스팅)", "Harvesting"),
    "harvest.intro": (
        "다른 CKAN 포털과 DCAT 카탈로그에서 데이터셋 메타데이터(원하면 파일까지)를 정해진 주기로 가져옵니다. "
        "원본은 이 화면, API(/api/v1/harvest/sources)나 `hubcity harvest add`로 추가하고 바꿉니다.",
        "Imports dataset metadata (and files, when asked) from other CKAN portals and DCAT catalogues on a "
        "schedule. Add and change sources here, through the API (/api/v1/harvest/sources) or with "
        "`hubcity harvest add`.",
    ),
    "harvest.none": ("관리하는 수집 원본이 없습니다.", "You manage no harvest sources."),
    "harvest.col_name": ("원본", "Source"),
    "harvest.col_kind": ("종류", "Kind"),
    "harvest.col_org": ("대상 기관", "Target organisation"),
    "harvest.col_schedule": ("주기", "Schedule"),
    "harvest.col_last": ("마지막 실행", "Last run"),
    "harvest.col_actions": ("작업", "Actions"),
    "harvest.every_hours": ("{n}시간마다", "every {n} h"),
    "harvest.manual": ("수동", "by hand"),
    "harvest.disabled": ("중지됨", "disabled"),
    "harvest.files": ("파일 포함", "with files"),
    "harvest.run_now": ("지금 실행", "Run now"),
    "harvest.runs": ("최근 실행", "Recent runs"),
    "harvest.changes": ("변경 기록", "Change log"),
    "harvest.col_change": ("변경", "Change"),
    "harvest.col_dataset": ("데이터셋", "Dataset"),
    "harvest.col_diff": ("바뀐 항목", "Changed fields"),
    "harvest.no_changes": ("기록이 없습니다.", "Nothing recorded."),
    "harvest.transfer_details": (
        "협력기관 전송 기록: 요청 담당자 {official} · 사건·문서번호 {case}",
        "Recorded on each transfer from the partner: requesting official {official} · case {case}",
    ),
    "harvest.new": ("수집 원본 추가", "Add a harvest source"),
    "harvest.edit": ("수집 원본 수정", "Change the harvest source"),
    "harvest.edit_one": ("수정", "Change"),
    "harvest.save": ("저장", "Save"),
    "harvest.deleted": (
        "수집 원본 '{name}'을(를) 삭제했습니다. 수집한 데이터셋은 그대로 남습니다.",
        "The harvest source '{name}' was removed. The datasets it harvested stay.",
    ),
    "harvest.delete": ("원본 삭제", "Remove the source"),
    "harvest.delete_help": (
        "원본과 실행 기록을 지웁니다. 이 원본에서 수집한 데이터셋은 일반 데이터셋으로 남습니다.",
        "Removes the source and its runs. The datasets harvested from it stay, as ordinary datasets.",
    ),
    "harvest.f_name": ("원본 이름", "Source name"),
    "harvest.f_name_help": (
        "영문 소문자·숫자·'-'로 40자 이내. 수집한 데이터셋은 '<원본 이름>--<원격 이름>'이 되며, "
        "나중에 바꿀 수 없습니다.",
        "Lowercase letters, digits and '-', up to 40. Harvested datasets are named '<source>--<upstream "
        "name>'; it cannot be changed later.",
    ),
    "harvest.f_title": ("제목", "Title"),
    "harvest.f_kind": ("종류", "Kind"),
    "harvest.kind_ckan": ("CKAN 포털 (Action API)", "CKAN portal (Action API)"),
    "harvest.kind_dcat": (
        "DCAT 카탈로그 (Turtle, RDF/XML, JSON-LD)",
        "DCAT catalogue (Turtle, RDF/XML, JSON-LD)",
    ),
    "harvest.f_url": ("주소(URL)", "Address (URL)"),
    "harvest.f_url_help": (
        "CKAN은 포털 주소(https://data.example.go.kr), DCAT은 카탈로그 문서 주소(…/catalog.ttl). "
        "내부망 주소는 운영자가 허용한 경우에만 수집합니다.",
        "CKAN: the portal's address (https://data.example.go.kr); DCAT: the catalogue document "
        "(…/catalog.ttl). Internal addresses are harvested only when the operator allows them.",
    ),
    "harvest.f_org": ("대상 기관", "Target organisation"),
    "harvest.f_org_help": (
        "수집한 데이터셋을 소유할 기관입니다. 관리자로 있는 기관만 고를 수 있습니다.",
        "The organisation that will own the harvested datasets: one you administer.",
    ),
    "harvest.partner": ("협력기관", "partner"),
    "harvest.f_schedule": ("실행 주기 (시간)", "Schedule (hours)"),
    "harvest.f_schedule_help": ("0이면 수동으로만 실행합니다.", "0 runs it only by hand."),
    "harvest.f_fetch_files": ("파일도 내려받아 새 버전으로 등록", "Also download the files as new versions"),
    "harvest.f_filter_org": ("원격 기관 필터 (CKAN)", "Upstream organisation filter (CKAN)"),
    "harvest.f_filter_q": ("검색어 필터 (CKAN)", "Search filter (CKAN)"),
    "harvest.f_enabled": ("예약 실행 사용", "Scheduled runs enabled"),
    "harvest.f_transfer": ("협력기관 전송 기록", "Transfers from a partner"),
    "harvest.f_transfer_help": (
        "대상 기관이 협력기관이면 필수입니다: 수집한 파일마다 요청 담당자와 사건·문서번호를 "
        "전송 기록에 남깁니다.",
        "Required when the target organisation is a partner institution: each file harvested is recorded "
        "as a transfer with the requesting official and the case or document number.",
    ),
    "harvest.f_official": ("요청 담당자", "Requesting official"),
    "harvest.f_case_no": ("사건·문서번호", "Case or document number"),
    "harvest.f_api_key": ("원격 포털 API 키 (CKAN)", "Upstream API key (CKAN)"),
    "harvest.f_api_key_help": (
        "원격 포털이 비공개로 둔 데이터셋도 수집하려면 그 포털에서 발급한 API 키를 넣으세요. "
        "비공개 데이터셋은 이 기관에만 공개(제한)로 들어옵니다. "
        "키는 암호화해 저장하며 다시 보여 주지 않습니다.",
        "To also harvest the datasets the upstream portal keeps private, enter an API key issued there. "
        "Private datasets arrive restricted to this organisation. "
        "The key is stored encrypted and never shown again.",
    ),
    "harvest.api_key_stored": (
        "API 키가 저장되어 있습니다. 비워 두면 그대로 씁니다.",
        "An API key is stored; leave this empty to keep it.",
    ),
    "harvest.f_api_key_clear": ("저장된 API 키 지우기", "Remove the stored API key"),
    "harvest.choose": ("선택하세요", "Choose"),
    "ds.harvested_from": ("수집 출처", "Harvested from"),
    "ds.deleted_upstream": (
        "원본 포털에서 삭제되어 공개를 중단했습니다.",
        "Deleted on the source portal; no longer published here.",
    ),
    "misc.yes": ("예", "Yes"),
    "misc.no": ("아니요", "No"),
    "misc.none": ("—", "—"),
}

# Korean explanations for dataset form fields, shown above the service's English message.
FIELD_HINTS: dict[str, tuple[str, str]] = {
    "name": (
        "식별자는 영문 소문자나 숫자로 시작하고 영문 소문자, 숫자, '-', '_'만 쓸 수 있습니다 (100자 이내).",
        "The name starts with a lowercase letter or digit and uses only lowercase letters, "
        "digits, '-' and '_'.",
    ),
    "title": ("제목을 입력하세요 (300자 이내).", "Enter a title (up to 300 characters)."),
    "title_en": ("영문 제목은 300자 이내입니다.", "The English title has up to 300 characters."),
    "owner_org": ("제공 기관을 고르세요.", "Choose the publishing organisation."),
    "visibility": ("공개 범위를 고르세요.", "Choose a visibility."),
    "theme": ("목록에 있는 분류를 고르세요.", "Choose a theme from the list."),
    "licence": ("목록에 있는 이용 허락 유형을 고르세요.", "Choose a licence from the list."),
    "update_cycle": ("목록에 있는 갱신 주기를 고르세요.", "Choose an update cycle from the list."),
    "temporal_start": ("날짜를 YYYY-MM-DD 형식으로 입력하세요.", "Enter a date as YYYY-MM-DD."),
    "temporal_end": ("날짜를 YYYY-MM-DD 형식으로 입력하세요.", "Enter a date as YYYY-MM-DD."),
    "contact_email": ("이메일은 320자 이내입니다.", "The e-mail has up to 320 characters."),
    "contact_phone": ("전화번호는 50자 이내입니다.", "The phone number has up to 50 characters."),
}

# Korean explanations for the harvest source form's fields, shown above the validator's English message.
HARVEST_FIELD_HINTS: dict[str, tuple[str, str]] = {
    "name": (
        "원본 이름은 영문 소문자나 숫자로 시작하고 영문 소문자, 숫자, '-'만 쓸 수 있습니다 (40자 이내).",
        "The name starts with a lowercase letter or digit and uses only lowercase letters, digits and '-'.",
    ),
    "title": ("제목은 200자 이내입니다.", "The title has up to 200 characters."),
    "kind": ("CKAN과 DCAT 중 하나를 고르세요.", "Choose CKAN or DCAT."),
    "url": ("http:// 또는 https://로 시작하는 주소를 쓰세요.", "Give an http:// or https:// address."),
    "org": ("대상 기관을 고르세요.", "Choose the target organisation."),
    "schedule_hours": (
        "실행 주기는 0(수동)부터 8760까지의 시간 수입니다.",
        "The schedule is a number of hours from 0 (by hand) to 8760.",
    ),
    "filter_org": (
        "원격 기관 필터는 100자 이내입니다.",
        "The upstream organisation has up to 100 characters.",
    ),
    "filter_q": ("검색어 필터는 500자 이내입니다.", "The search filter has up to 500 characters."),
    "official": (
        "요청 담당자는 한 줄로 100자 이내입니다.",
        "The official fits on one line, up to 100 characters.",
    ),
    "case_no": (
        "사건·문서번호는 한 줄로 100자 이내입니다.",
        "The case number fits on one line, up to 100 characters.",
    ),
}


def t(key: str, lang: str, **params: object) -> str:
    """The message ``key`` in ``lang`` with ``{params}`` filled in; the key itself when unknown."""
    pair = MESSAGES.get(key)
    if pair is None:
        return key
    text = pair[1] if lang == "en" else pair[0]
    return text.format(**params) if params else text


def label(kind: str, key: str | None, lang: str) -> str:
    """A domain label: ``kind`` is theme, licence, update_cycle or org_kind."""
    if not key:
        return ""
    pair: tuple[str, str] | None
    if kind == "theme":
        pair = THEMES.get(key)
    elif kind == "licence":
        pair = LICENCES.get(key)
    elif kind == "update_cycle":
        pair = UPDATE_CYCLES.get(key)
    elif kind == "org_kind":
        try:
            pair = ORG_KIND_LABELS.get(OrgKind(key))
        except ValueError:
            pair = None
    else:
        pair = None
    if pair is None:
        return key
    return pair[1] if lang == "en" else pair[0]


def request_lang(request: Request, default: str = "ko") -> Lang:
    """The UI language: ``?lang=`` (remembered in the session), else the session's, else the default."""
    asked = request.query_params.get("lang")
    if asked in LANGS:
        if "session" in request.scope:
            request.session["lang"] = asked
        return "en" if asked == "en" else "ko"
    if "session" in request.scope:
        stored = request.session.get("lang")
        if stored in LANGS:
            return "en" if stored == "en" else "ko"
    return "en" if default == "en" else "ko"
