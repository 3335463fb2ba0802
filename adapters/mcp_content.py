"""What the MCP server offers besides tools: reference resources and prompts for analyst questions.

Resources (read-only, the same for every caller):

- ``naramarket://catalog``: every catalogued 조달청 operation (service, name, Korean and English
  summary), for finding the one ``call_operation`` should call;
- ``naramarket://catalog/{operation}``: one operation's parameters (required or not, formats),
  조회구분 modes, date ranges with their limits, and item fields;
- ``naramarket://glossary``: every field the tools answer with — its English name, the gateway's
  field name and the description — built from the registered tools' result types, so a plugin's
  records are in it as soon as it is loaded.

Prompts are a few common analyst questions written as instructions that use the tools; a prompt
is offered only when every tool it names is registered.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import mcp_types as types
import msgspec
from mcp.shared.exceptions import MCPError

from naramarket.datago.g2b import OperationInfo, load_catalog
from naramarket.kernel.host import Kernel, json_schema

__all__ = ["PROMPTS", "McpContent", "PromptSpec"]

INVALID_PARAMS = -32602

CATALOG_URI = "naramarket://catalog"
GLOSSARY_URI = "naramarket://glossary"
OPERATION_TEMPLATE = "naramarket://catalog/{operation}"


@dataclass(frozen=True)
class PromptSpec:
    """A prompt: its arguments (name, description, required) and the tools its text relies on."""

    name: str
    title: str
    description: str
    arguments: tuple[tuple[str, str, bool], ...]
    tools: tuple[str, ...]
    template: str  # str.format()ed with the arguments (absent optional ones as "")


PROMPTS: tuple[PromptSpec, ...] = (
    PromptSpec(
        "find_bid_notices",
        "입찰공고 찾기 / Find bid notices",
        "이 조건의 입찰공고를 찾아 표로 정리 / find bid notices on a topic (optionally a region) and "
        "tabulate them",
        (
            ("topic", "무엇을 / what, e.g. CCTV 유지보수", True),
            ("region", "지역 / region, e.g. 경기도", False),
        ),
        ("search_bid_notices", "get_bid_notice"),
        "나라장터에서 '{topic}' 입찰공고를 찾아 주세요{region_ko}. search_bid_notices를 keyword로 부르고 "
        "(업무구분을 모르면 kind를 빼서 전부), 마감 전 공고를 공고명·공고기관·추정가격·마감일시 표로 "
        "정리하세요. 관심 있어 보이는 공고는 get_bid_notice로 기초금액·면허제한·첨부파일을 확인하세요.\n"
        "Find 나라장터 bid notices about '{topic}'{region_en}: call search_bid_notices with it as "
        "`keyword` (leave `kind` out to search every kind), list the open ones as a table of title, "
        "agency, estimated price and closing time, and check promising ones with get_bid_notice.",
    ),
    PromptSpec(
        "follow_notice",
        "공고 진행 추적 / Follow a notice",
        "공고·조달요청·계약 번호 하나로 공고→개찰→낙찰→계약 경과를 정리 / what happened to a notice",
        (("number", "공고번호, 조달요청번호 또는 계약번호 / a notice, request or contract no.", True),),
        ("get_procurement_process",),
        "'{number}' 건이 어떻게 진행됐는지 get_procurement_process로 확인하고, 공고→개찰→낙찰→계약 "
        "단계별로 날짜·금액·업체를 정리하세요. 아직 없는 단계는 없다고 쓰세요.\n"
        "Use get_procurement_process to find out what happened to '{number}' and summarise it stage by "
        "stage (notice, opening, award, contract) with dates, amounts and companies; say which stages "
        "have not happened yet.",
    ),
    PromptSpec(
        "agency_award_rates",
        "기관 낙찰 현황 / Who wins an agency's bids",
        "한 기관의 최근 낙찰자와 낙찰률 / who won an agency's recent bids and at what rate",
        (("agency", "기관명 또는 코드 / agency name or code", True), ("topic", "품목·사업 / item", False)),
        ("search_awards", "get_opening_results"),
        "'{agency}'의 최근 낙찰 결과를 search_awards로 찾아{topic_ko} 낙찰업체·낙찰금액·낙찰률 표로 "
        "정리하고, 자주 이기는 업체와 낙찰률 범위를 요약하세요. 한 건의 모든 투찰자 순위는 "
        "get_opening_results로 봅니다.\n"
        "Find '{agency}''s recent awards with search_awards{topic_en}, tabulate winner, amount and "
        "award rate, and summarise who wins often and the range of rates; get_opening_results gives "
        "every bidder of one notice.",
    ),
    PromptSpec(
        "supplier_profile",
        "업체 프로필 / Supplier profile",
        "업체의 등록정보·면허업종·제재와 최근 계약 / a company's profile, licences, sanctions and "
        "recent contracts",
        (("company", "사업자등록번호 또는 상호 / business no. or name", True),),
        ("get_supplier", "search_contracts"),
        "'{company}' 업체를 get_supplier로 조회해 대표자·소재지·면허업종·부정당제재를 정리하고, "
        "search_contracts로 최근 계약을 찾아 기관·금액·계약일 표로 덧붙이세요.\n"
        "Look up '{company}' with get_supplier (representative, address, licensed industries, "
        "sanctions) and add its recent contracts from search_contracts as a table of agency, amount "
        "and date.",
    ),
    PromptSpec(
        "price_check",
        "정부 구매 가격 / What the government pays",
        "품목을 분류에서 찾아 쇼핑몰 계약가격 통계를 제조사별로 / price statistics of a product, by maker",
        (("product", "품목 (일상어) / the product in everyday words, e.g. 노트북", True),),
        ("search_categories", "analyze_mall_prices"),
        "'{product}'를 search_categories로 나라장터 품명으로 바꾼 뒤, analyze_mall_prices에 그 품명과 "
        'group_by "maker"를 주어 쇼핑몰 계약가격의 건수·사분위·중앙값을 제조사별 표로 정리하세요. '
        "scan.complete가 false면 기간을 좁혀 다시 부르고, 읽은 행 수를 함께 밝히세요.\n"
        "Turn '{product}' into the gateway's 품명 with search_categories, then call analyze_mall_prices "
        'with that category and group_by "maker": tabulate count, quartiles and median of the mall '
        "contract prices per maker, say how many rows were read, and narrow the dates if "
        "scan.complete is false.",
    ),
    PromptSpec(
        "prespec_watch",
        "사전규격 확인 / Pre-specs to comment on",
        "의견 등록이 가능한 최근 사전규격 / recent pre-specs on a topic still open for comments",
        (("topic", "무엇을 / what", True),),
        ("search_prespecs", "get_prespec"),
        "최근 1주일 '{topic}' 관련 사전규격을 search_prespecs로 찾아, 의견등록 마감이 지나지 않은 것을 "
        "사업명·기관·배정예산·의견마감 표로 정리하세요. 자세한 내용은 get_prespec으로 봅니다.\n"
        "Find this week's pre-specifications about '{topic}' with search_prespecs and tabulate the "
        "ones still open for comments (title, agency, budget, comment deadline); get_prespec shows one.",
    ),
)


class McpContent:
    """Resources and prompts of one kernel's MCP server."""

    def __init__(self, kernel: Kernel, prompts: tuple[PromptSpec, ...] = PROMPTS) -> None:
        names = {tool.name for tool in kernel.registry}
        self.kernel = kernel
        self.prompts = {p.name: p for p in prompts if set(p.tools) <= names}
        self._glossary: str | None = None

    # -- resources --------------------------------------------------------------------------

    def list_resources(self) -> list[types.Resource]:
        return [
            types.Resource(
                name="catalog",
                title="조달청 오퍼레이션 목록 / Operation catalog",
                uri=CATALOG_URI,
                description="Every catalogued 조달청 (data.go.kr) operation: service, name, Korean and "
                "English summary. Read naramarket://catalog/{operation} for one operation's "
                "parameters and fields; call it with call_operation.",
                mime_type="application/json",
            ),
            types.Resource(
                name="glossary",
                title="필드 용어집 / Field glossary",
                uri=GLOSSARY_URI,
                description="Every field the tools answer with: English name, the gateway's field name "
                "and its Korean/English description.",
                mime_type="text/markdown",
            ),
        ]

    def list_templates(self) -> list[types.ResourceTemplate]:
        return [
            types.ResourceTemplate(
                name="operation",
                title="오퍼레이션 명세 / One operation",
                uri_template=OPERATION_TEMPLATE,
                description="One catalogued operation (e.g. naramarket://catalog/getBidPblancListInfoThng): "
                "parameters, 조회구분 modes, date ranges and limits, item fields.",
                mime_type="application/json",
            )
        ]

    def read(self, uri: str) -> types.ReadResourceResult:
        if uri == CATALOG_URI:
            return _text(uri, "application/json", _catalog_json())
        if uri == GLOSSARY_URI:
            if self._glossary is None:
                self._glossary = _glossary(self.kernel)
            return _text(uri, "text/markdown", self._glossary)
        prefix = CATALOG_URI + "/"
        if uri.startswith(prefix):
            op = load_catalog().operation(None, uri[len(prefix) :])
            if op is not None:
                return _text(uri, "application/json", msgspec.json.encode(_describe(op)).decode())
        # SEP-2164: invalid params, with the URI in the error's data
        raise MCPError(INVALID_PARAMS, f"Resource not found: {uri}", data={"uri": uri})

    # -- prompts ----------------------------------------------------------------------------

    def list_prompts(self) -> list[types.Prompt]:
        return [
            types.Prompt(
                name=p.name,
                title=p.title,
                description=p.description,
                arguments=[
                    types.PromptArgument(name=n, description=d, required=r) for n, d, r in p.arguments
                ],
            )
            for p in self.prompts.values()
        ]

    def get_prompt(self, name: str, arguments: dict[str, str] | None) -> types.GetPromptResult:
        spec = self.prompts.get(name)
        if spec is None:
            raise MCPError(INVALID_PARAMS, f"Unknown prompt: {name}")
        given = {k: v.strip() for k, v in (arguments or {}).items() if isinstance(v, str)}
        missing = [n for n, _, required in spec.arguments if required and not given.get(n)]
        if missing:
            raise MCPError(INVALID_PARAMS, f"Missing argument(s) for prompt {name}: {', '.join(missing)}")
        unknown = sorted(set(given) - {n for n, _, _ in spec.arguments})
        if unknown:
            raise MCPError(INVALID_PARAMS, f"Unknown argument(s) for prompt {name}: {', '.join(unknown)}")
        values = {n: given.get(n, "") for n, _, _ in spec.arguments}
        for n in ("region", "topic"):  # optional phrases, in each language
            value = values.get(n, "")
            values[f"{n}_ko"] = f" ({value})" if value else ""
            values[f"{n}_en"] = f" ({value})" if value else ""
        text = spec.template.format(**values)
        return types.GetPromptResult(
            description=spec.description,
            messages=[types.PromptMessage(role="user", content=types.TextContent(type="text", text=text))],
        )


def _text(uri: str, mime: str, text: str) -> types.ReadResourceResult:
    return types.ReadResourceResult(contents=[types.TextResourceContents(uri=uri, mime_type=mime, text=text)])


def _catalog_json() -> str:
    catalog = load_catalog()
    services = [
        {
            "service": s.name,
            "name_ko": s.name_ko,
            "operations": [
                {"name": op.name, "summary_ko": op.summary_ko, "summary_en": op.summary_en}
                for op in s.operations
            ],
        }
        for s in catalog.services
    ]
    return msgspec.json.encode({"services": services}).decode()


def _describe(op: OperationInfo) -> dict[str, Any]:
    return {
        "service": op.service,
        "name": op.name,
        "path": op.path,
        "summary_ko": op.summary_ko,
        "summary_en": op.summary_en,
        "params": [
            {"name": p.name, "name_ko": p.name_ko, "required": p.enforced, "sample": p.sample}
            | ({"required_when_inqryDiv": list(p.required_when)} if p.required_when else {})
            for p in op.own_params
        ],
        "modes": dict(op.modes),
        "date_ranges": [
            {"begin": r.begin, "end": r.end, "pattern": r.pattern, "limit": r.limit} for r in op.date_ranges
        ],
        "fields": [{"name": f.name, "name_ko": f.name_ko} for f in op.fields],
    }


def _glossary(kernel: Kernel) -> str:
    """A Markdown table of every record field in the registered tools' results."""
    rows: dict[tuple[str, str], tuple[str, set[str]]] = {}
    for tool in kernel.registry:
        schema = json_schema(tool.result)
        for definition in schema.get("$defs", {}).values():
            for name, prop in definition.get("properties", {}).items():
                wire = prop.get("x-upstream-field")
                if wire is None:
                    continue
                description, tools = rows.setdefault((name, wire), (prop.get("description", ""), set()))
                tools.add(tool.name)
    lines = [
        "# naramarket field glossary",
        "",
        "Fields of the tools' records: the English name in answers, the data.go.kr (gateway) field "
        "it comes from, and what it means.",
        "",
        "| field | gateway field | description | tools |",
        "|---|---|---|---|",
    ]
    for (name, wire), (description, tools) in sorted(rows.items()):
        cell = description.replace("|", "/").replace("\n", " ")
        lines.append(f"| {name} | {wire} | {cell} | {', '.join(sorted(tools))} |")
    return "\n".join(lines) + "\n"
