"""Typed rows of 나라장터쇼핑몰 품목정보서비스 (ShoppingMallPrdctInfoService) and its nine operations.

- 계약 품목 (MAS 다수공급자계약, 일반단가계약, 제3자단가계약): one row shape (``MallProduct``, declared
  with ``crawl_list`` in the package), three operations, registration dates YYYYMMDDHHMM, one year.
- 쇼핑몰 등록 품목 (``getShoppingMallPrdctInfoList``): by 등록일자 (YYYYMMDD, 12 months) or 쇼핑계약번호.
- 납품요구 (``getDlvrReqInfoList``) and their lines (``getDlvrReqDtlInfoList``): by 납품요구접수일자
  (YYYYMMDD, one month), 납품요구번호 or 계약번호.
- 벤처나라 주문 (``getVntrPrdctOrderDealDtlsInfoList``): by 주문일자 (YYYYMMDD, 36 months).
- 특정품목 조달내역 and its monthly totals (``getSpcifyPrdlstPrcure{Info,Tot}List``): by
  계약납품요구일자 (YYYYMMDD, 12 months), always for one 품명, 세부품명 or 물품규격.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, ClassVar, Final

from naramarket.datago import MONTH, YEAR, KstDateTime, RangeLimit, Record, wire
from naramarket.datago.g2b import G2bOperation

SERVICE: Final = "at/ShoppingMallPrdctInfoService"


class RegisteredProduct(Record):
    """One product registered in the mall (쇼핑몰 품목 등록 내역), of any contract kind."""

    summary_fields: ClassVar[tuple[str, ...]] = ("registered_at", "spec", "price", "maker", "company")

    product_id: Annotated[str, wire("prdctIdntNo", "물품식별번호 / product identification no.")] = ""
    category: Annotated[str, wire("prdctClsfcNoNm", "품명 / product category name")] = ""
    category_no: Annotated[str, wire("prdctClsfcNo", "물품분류번호 / classification no.")] = ""
    detail_category: Annotated[str, wire("dtilPrdctClsfcNoNm", "세부품명 / detailed category")] = ""
    detail_category_no: Annotated[str, wire("dtilPrdctClsfcNo", "세부품명번호 / detailed no.")] = ""
    spec: Annotated[str, wire("prdctSpecNm", "물품규격명 / specification")] = ""
    unit: Annotated[str, wire("prdctUnit", "물품단위 / unit")] = ""
    price: Annotated[int | None, wire("cntrctPrceAmt", "계약가격금액 / contract price, KRW")] = None
    maker: Annotated[str, wire("prdctMakrNm", "물품제조사명 / manufacturer")] = ""
    company: Annotated[str, wire("cntrctCorpNm", "계약업체명 / contractor")] = ""
    company_no: Annotated[str, wire("cntrctCorpBizno", "계약업체 사업자등록번호 / business no.")] = ""
    company_size: Annotated[str, wire("entrprsDivNm", "기업구분명 / enterprise size")] = ""
    contract_no: Annotated[str, wire("shopngCntrctNo", "쇼핑계약번호 / shopping contract no.")] = ""
    contract_seq: Annotated[str, wire("shopngCntrctSno", "쇼핑계약순번 / contract line no.")] = ""
    contract_method: Annotated[str, wire("cntrctMthdNm", "계약방법명 / contract method")] = ""
    contract_date: Annotated[dt.date | None, wire("cntrctDate", "계약일자 / contract date")] = None
    contract_start: Annotated[dt.date | None, wire("cntrctBgnDate", "계약시작일자 / start")] = None
    contract_end: Annotated[dt.date | None, wire("cntrctEndDate", "계약종료일자 / end")] = None
    registered_at: Annotated[KstDateTime | None, wire("rgstDt", "등록일시 / registered (KST)")] = None
    mas: Annotated[bool | None, wire("masYn", "다수공급경쟁자여부 / sold under a MAS contract")] = None
    excellent_product: Annotated[
        bool | None, wire("exclncPrcrmntPrdctYn", "우수조달물품여부 / excellent procurement product")
    ] = None
    sme_competition: Annotated[
        bool | None, wire("smetprCmptProdctYn", "중소기업자간경쟁제품여부 / SME-competition product")
    ] = None
    certifications: Annotated[str, wire("prodctCertList", "제품인증목록 / certifications")] = ""
    supply_region: Annotated[str, wire("prdctSplyRgnNm", "물품공급지역명 / supply region")] = ""
    image_url: Annotated[str, wire("prdctImgUrl", "상품이미지URL / image URL")] = ""


class DeliveryRequest(Record):
    """One 납품요구: an agency's order of mall products from a contractor."""

    summary_fields: ClassVar[tuple[str, ...]] = ("received_on", "request_no", "title", "agency", "amount")

    request_no: Annotated[
        str, wire("dlvrReqNo", "납품요구번호 / delivery request no. (get_delivery_request)")
    ] = ""
    change_no: Annotated[str, wire("dlvrReqChgOrd", "납품요구변경차수 / change round")] = ""
    received_on: Annotated[dt.date | None, wire("dlvrReqRcptDate", "납품요구접수일자 / received on")] = None
    title: Annotated[str, wire("dlvrReqNm", "납품요구건명 / request title")] = ""
    quantity: Annotated[float | None, wire("dlvrReqQty", "납품요구수량 / quantity")] = None
    amount: Annotated[int | None, wire("dlvrReqAmt", "납품요구금액 / amount, KRW")] = None
    quantity_change: Annotated[
        float | None, wire("dlvrReqIncdecQty", "증감납품요구수량 / quantity change")
    ] = None
    amount_change: Annotated[
        int | None, wire("dlvrReqIncdecAmt", "증감납품요구금액 / amount change, KRW")
    ] = None
    agency: Annotated[str, wire("dminsttNm", "수요기관명 / demand agency")] = ""
    agency_code: Annotated[str, wire("dminsttCd", "수요기관코드 / agency code")] = ""
    agency_type: Annotated[str, wire("dmndInsttDivNm", "수요기관구분명 / agency type")] = ""
    agency_region: Annotated[str, wire("dminsttRgnNm", "수요기관지역명 / agency region")] = ""
    company: Annotated[str, wire("corpNm", "업체명 / contractor")] = ""
    company_no: Annotated[str, wire("corpBizno", "업체사업자등록번호 / business no.")] = ""
    company_size: Annotated[str, wire("corpEntrprsDivNmNm", "업체기업구분명 / enterprise size")] = ""
    category_no: Annotated[str, wire("rprsntPrdctClsfcNo", "대표물품분류번호 / main classification no.")] = ""
    category: Annotated[str, wire("rprsntPrdctClsfcNoNm", "대표품명 / main category")] = ""
    detail_category_no: Annotated[
        str, wire("rprsntDtilPrdctClsfcNo", "대표세부물품분류번호 / detailed no.")
    ] = ""
    detail_category: Annotated[str, wire("rprsntDtilPrdctClsfcNoNm", "대표세부품명 / detailed category")] = ""
    delivery_due: Annotated[
        dt.date | None, wire("maxDlvrTmlmtDate", "최대납품기한일자 / latest due date")
    ] = None
    contract_no: Annotated[str, wire("cntrctNo", "계약번호 / contract no.")] = ""
    contract_change_no: Annotated[str, wire("cntrctChgOrd", "계약변경차수 / contract change round")] = ""
    contract_form: Annotated[str, wire("cntrctCnclsStleNm", "계약체결형태명 / contract form")] = ""
    mas: Annotated[bool | None, wire("masYn", "다수공급자계약여부 / MAS contract")] = None
    excellent_product: Annotated[bool | None, wire("exclcProdctYn", "우수제품여부 / excellent product")] = (
        None
    )
    final: Annotated[bool | None, wire("fnlDlvrReqYn", "최종납품요구여부 / latest version")] = None


class DeliveryItem(Record):
    """One product line of a 납품요구 (납품요구 상세)."""

    summary_fields: ClassVar[tuple[str, ...]] = (
        "received_on",
        "request_no",
        "spec",
        "unit_price",
        "quantity",
    )

    request_no: Annotated[str, wire("dlvrReqNo", "납품요구번호 / delivery request no.")] = ""
    change_no: Annotated[str, wire("dlvrReqChgOrd", "납품요구변경차수 / change round")] = ""
    received_on: Annotated[dt.date | None, wire("dlvrReqRcptDate", "납품요구접수일자 / received on")] = None
    title: Annotated[str, wire("dlvrReqNm", "납품요구건명 / request title")] = ""
    line_no: Annotated[int | None, wire("prdctSno", "물품순번 / line no.")] = None
    category_no: Annotated[str, wire("prdctClsfcNo", "물품분류번호 / classification no.")] = ""
    category: Annotated[str, wire("prdctClsfcNoNm", "품명 / category")] = ""
    detail_category_no: Annotated[str, wire("dtilPrdctClsfcNo", "세부품명번호 / detailed no.")] = ""
    detail_category: Annotated[str, wire("dtilPrdctClsfcNoNm", "세부품명 / detailed category")] = ""
    product_id: Annotated[str, wire("prdctIdntNo", "물품식별번호 / product identification no.")] = ""
    spec: Annotated[str, wire("prdctIdntNoNm", "물품규격명 / specification")] = ""
    unit_price: Annotated[int | None, wire("prdctUprc", "물품단가 / unit price, KRW")] = None
    unit: Annotated[str, wire("prdctUnit", "물품단위 / unit")] = ""
    quantity: Annotated[float | None, wire("prdctQty", "물품수량 / quantity")] = None
    amount: Annotated[int | None, wire("prdctAmt", "물품금액 / amount, KRW")] = None
    delivery_due: Annotated[dt.date | None, wire("dlvrTmlmtDate", "납품기한일자 / due date")] = None
    contract_no: Annotated[str, wire("cntrctNo", "계약번호 / contract no.")] = ""
    company: Annotated[str, wire("corpNm", "업체명 / contractor")] = ""
    company_no: Annotated[str, wire("cntrctCorpBizno", "계약업체 사업자등록번호 / business no.")] = ""
    company_size: Annotated[str, wire("corpEntrprsDivNmNm", "업체기업구분명 / enterprise size")] = ""
    agency: Annotated[str, wire("dminsttNm", "수요기관명 / demand agency")] = ""
    agency_code: Annotated[str, wire("dminsttCd", "수요기관코드 / agency code")] = ""
    agency_region: Annotated[str, wire("dminsttRgnNm", "수요기관지역명 / agency region")] = ""
    mas: Annotated[bool | None, wire("masYn", "다수공급자계약여부 / MAS contract")] = None
    sme_competition: Annotated[
        bool | None, wire("smetprCmptProdctYn", "중소기업자간경쟁제품여부 / SME-competition product")
    ] = None
    excellent_product: Annotated[bool | None, wire("exclcProdctYn", "우수제품여부 / excellent product")] = (
        None
    )
    final: Annotated[bool | None, wire("fnlDlvrReqYn", "최종납품요구여부 / latest version")] = None


class VentureOrder(Record):
    """One order of a 벤처나라 (start-up and venture) product."""

    summary_fields: ClassVar[tuple[str, ...]] = ("ordered_on", "product_name", "company", "agency", "amount")

    ordered_on: Annotated[dt.date | None, wire("orderDt", "주문일자 / ordered on")] = None
    amount: Annotated[int | None, wire("orderSumAmt", "주문합계금액 / order total, KRW")] = None
    product_name: Annotated[str, wire("vntrPrdctNm", "벤처물품명 / venture product name")] = ""
    product_id: Annotated[str, wire("prdctIdntNo", "물품식별번호 / product identification no.")] = ""
    spec: Annotated[str, wire("prdctIdntNoNm", "물품규격명 / specification")] = ""
    category_no: Annotated[str, wire("prdctClsfcNo", "물품분류번호 / classification no.")] = ""
    category: Annotated[str, wire("prdctClsfcNoNm", "품명 / category")] = ""
    detail_category_no: Annotated[str, wire("dtilPrdctClsfcNo", "세부품명번호 / detailed no.")] = ""
    detail_category: Annotated[str, wire("dtilPrdctClsfcNoNm", "세부품명 / detailed category")] = ""
    agency: Annotated[str, wire("dminsttNm", "수요기관명 / demand agency")] = ""
    agency_region: Annotated[str, wire("dminsttRgnNm", "수요기관지역명 / agency region")] = ""
    company: Annotated[str, wire("corpNm", "업체명 / company")] = ""
    company_no: Annotated[str, wire("corpBizno", "업체사업자등록번호 / business no.")] = ""
    company_location: Annotated[str, wire("corpLocplcNm", "업체소재지명 / company location")] = ""


class ItemProcurement(Record):
    """One purchase (총액계약 or 납품요구 line) of a product, from 특정품목 조달내역."""

    summary_fields: ClassVar[tuple[str, ...]] = ("ordered_on", "spec", "unit_price", "quantity", "agency")

    ordered_on: Annotated[
        dt.date | None, wire("cntrctDlvrReqDate", "계약납품요구일자 / contract or order date")
    ] = None
    number: Annotated[str, wire("cntrctDlvrReqNo", "계약납품요구번호 / contract or delivery request no.")] = (
        ""
    )
    change_no: Annotated[str, wire("cntrctDlvrReqChgOrd", "변경차수 / change round")] = ""
    title: Annotated[str, wire("cntrctDlvrReqNm", "계약명 / title")] = ""
    procurement: Annotated[str, wire("prcrmntDivNm", "조달구분명 / central or own procurement")] = ""
    contract_kind: Annotated[str, wire("cntrctDivNm", "계약구분명 / contract kind")] = ""
    route: Annotated[str, wire("cntrctDlvrDivNm", "계약납품구분명 / 총액계약 or 납품요구")] = ""
    category_no: Annotated[str, wire("prdctClsfcNo", "물품분류번호 / classification no.")] = ""
    category: Annotated[str, wire("prdctClsfcNoNm", "품명 / category")] = ""
    detail_category_no: Annotated[str, wire("dtilPrdctClsfcNo", "세부품명번호 / detailed no.")] = ""
    detail_category: Annotated[str, wire("dtilPrdctClsfcNoNm", "세부품명 / detailed category")] = ""
    product_id: Annotated[str, wire("prdctIdntNo", "물품식별번호 / product identification no.")] = ""
    spec: Annotated[str, wire("prdctIdntNoNm", "물품규격명 / specification")] = ""
    unit_price: Annotated[int | None, wire("prdctUprc", "단가 / unit price, KRW")] = None
    quantity: Annotated[float | None, wire("prdctQty", "수량 / quantity")] = None
    unit: Annotated[str, wire("prdctUnit", "단위 / unit")] = ""
    amount: Annotated[int | None, wire("prdctAmt", "금액 / amount, KRW")] = None
    agency: Annotated[str, wire("dminsttNm", "수요기관명 / demand agency")] = ""
    agency_code: Annotated[str, wire("dminsttCd", "수요기관코드 / agency code")] = ""
    agency_type: Annotated[str, wire("dmndInsttDivNm", "수요기관구분명 / agency type")] = ""
    agency_region: Annotated[str, wire("dminsttRgnNm", "수요기관지역명 / agency region")] = ""
    company: Annotated[str, wire("corpNm", "업체명 / company")] = ""
    company_no: Annotated[str, wire("bizno", "업체사업자번호 / business no.")] = ""
    company_size: Annotated[str, wire("corpEntrprsDivNmNm", "업체기업구분명 / enterprise size")] = ""
    contract_method: Annotated[str, wire("cntrctMthdNm", "계약체결방법명 / contract method")] = ""
    mas: Annotated[bool | None, wire("masYn", "다수공급자계약여부 / MAS contract")] = None
    excellent_product: Annotated[bool | None, wire("exclcProdctYn", "우수제품여부 / excellent product")] = (
        None
    )
    final: Annotated[bool | None, wire("fnlCntrctDlvrReqChgOrdYn", "최종변경차수여부 / latest version")] = (
        None
    )


class ItemProcurementTotal(Record):
    """One monthly total of a product's purchases, from 특정품목 조달집계."""

    summary_fields: ClassVar[tuple[str, ...]] = ("month", "category", "agency", "quantity", "amount")

    month: Annotated[str, wire("totYm", "집계년월 / month, YYYYMM")] = ""
    category_no: Annotated[str, wire("prdctClsfcNo", "물품분류번호 / classification no.")] = ""
    category: Annotated[str, wire("prdctClsfcNoNm", "품명 / category")] = ""
    detail_category_no: Annotated[str, wire("dtilPrdctClsfcNo", "세부품명번호 / detailed no.")] = ""
    detail_category: Annotated[str, wire("dtilPrdctClsfcNoNm", "세부품명 / detailed category")] = ""
    product_id: Annotated[str, wire("prdctIdntNo", "물품식별번호 / product identification no.")] = ""
    spec: Annotated[str, wire("prdctIdntNoNm", "물품규격명 / specification")] = ""
    procurement: Annotated[str, wire("prcrmntDivNm", "조달구분명 / central or own procurement")] = ""
    route: Annotated[str, wire("cntrctDlvrDivNm", "계약납품구분명 / 총액계약 or 납품요구")] = ""
    agency: Annotated[str, wire("dminsttNm", "수요기관명 / demand agency")] = ""
    agency_code: Annotated[str, wire("dminsttCd", "수요기관코드 / agency code")] = ""
    agency_type: Annotated[str, wire("dmndInsttDivNm", "수요기관구분명 / agency type")] = ""
    agency_region: Annotated[str, wire("dminsttRgnNm", "수요기관지역명 / agency region")] = ""
    company: Annotated[str, wire("corpNm", "업체명 / company")] = ""
    company_no: Annotated[str, wire("bizno", "업체사업자번호 / business no.")] = ""
    quantity: Annotated[float | None, wire("sumQty", "합계수량 / total quantity")] = None
    amount: Annotated[int | None, wire("sumAmt", "합계금액 / total amount, KRW")] = None
    excellent_product: Annotated[bool | None, wire("exclcProdctYn", "우수제품여부 / excellent product")] = (
        None
    )


def _dated(name: str, record: type[Any], order_by: str, limit: RangeLimit, dedupe: tuple[str, ...]) -> Any:
    return G2bOperation(
        SERVICE,
        name,
        record=record,
        range_limit=limit,
        dedupe_on=dedupe,
        order_by=order_by,
        date_params=("inqryBgnDate", "inqryEndDate"),
        date_format="%Y%m%d",
    )


REGISTERED: Final[G2bOperation[RegisteredProduct]] = _dated(
    "getShoppingMallPrdctInfoList",
    RegisteredProduct,
    "registered_at",
    YEAR,
    ("contract_no", "contract_seq", "product_id"),
)
DELIVERY_REQUESTS: Final[G2bOperation[DeliveryRequest]] = _dated(
    "getDlvrReqInfoList", DeliveryRequest, "received_on", MONTH, ("request_no", "change_no")
)
DELIVERY_ITEMS: Final[G2bOperation[DeliveryItem]] = _dated(
    "getDlvrReqDtlInfoList", DeliveryItem, "received_on", MONTH, ("request_no", "change_no", "line_no")
)
VENTURE_ORDERS: Final[G2bOperation[VentureOrder]] = _dated(
    "getVntrPrdctOrderDealDtlsInfoList",
    VentureOrder,
    "ordered_on",
    RangeLimit.YEARS_3,
    ("ordered_on", "product_id", "agency", "amount"),
)
ITEM_PROCUREMENTS: Final[G2bOperation[ItemProcurement]] = _dated(
    "getSpcifyPrdlstPrcureInfoList",
    ItemProcurement,
    "ordered_on",
    YEAR,
    ("number", "change_no", "product_id"),
)
ITEM_PROCUREMENT_TOTALS: Final = G2bOperation(
    SERVICE,
    "getSpcifyPrdlstPrcureTotList",
    record=ItemProcurementTotal,
    range_limit=YEAR,
    dedupe_on=("month", "product_id", "agency_code", "company_no", "route"),
    date_params=("inqryBgnDate", "inqryEndDate"),
    date_format="%Y%m%d",
)
