"""A small held-out set written by hand, independent of the generator behind pii_eval.jsonl:
real-world phrasings, typos of format, and traps. Offsets are computed from the substrings
listed with each text (``python bench/eval/make_heldout.py`` rewrites heldout.jsonl)."""

from __future__ import annotations

import json
from pathlib import Path

CASES: list[tuple[str, list[tuple[str, str]]]] = [
    # "王大爷" names someone in context, like 张先生: a finding by the same convention.
    ("3号楼的王大爷说他家厨房漏水了，电话是13912345678，麻烦尽快安排师傅",
     [("person_name", "王大爷"), ("phone", "13912345678")]),
    ("【报修】2栋1单元502 卫生间下水道堵塞 联系人：刘女士 159-8765-4321",
     [("address", "2栋1单元502"), ("person_name", "刘女士"), ("phone", "159-8765-4321")]),
    ("各位业主：明天上午9点停水，请提前储水。物业服务中心电话 0571-88776655",
     [("phone", "0571-88776655")]),
    ("快递已放驿站，取件码8-2-3301，请凭取件码领取", []),
    ("本月物业费每平米2.8元，您家89.5平方米，合计250.60元", []),
    ("订单号：2023112812345678901 已发货，顺丰单号SF1402345678901", []),
    ("业主陈建国反映楼上住户深夜噪音，身份证号码440305198507153417已核实",
     [("person_name", "陈建国"), ("id_card", "440305198507153417")]),
    ("车牌粤B·D12345的车辆长期占用消防通道，请车主尽快挪车",
     [("license_plate", "粤B·D12345")]),
    ("马上就到，方便的话请在东门等一下，安全第一", []),
    ("张江路88号的李宁专卖店今天打折", []),
    ("退款请打到我的卡 6222 0212 3456 7890 128，户名周杰",
     [("bank_card", "6222 0212 3456 7890 128"), ("person_name", "周杰")]),
    ("请联系赵师傅，手机号码：+86 186 0000 1234",
     [("person_name", "赵师傅"), ("phone", "+86 186 0000 1234")]),
    ("投诉人：欧阳明月，住址：翠湖苑5栋3单元1101室",
     [("person_name", "欧阳明月"), ("address", "翠湖苑5栋3单元1101室")]),
    ("访客登记：姓名 阿卜杜·热合曼，访问 7-1-702",
     [("person_name", "阿卜杜·热合曼"), ("address", "7-1-702")]),
    ("电话已脱敏为138****5678，身份证110105********2X", []),
    ("身份证号110105199003071234不对，请重新提供", []),
    ("邮箱 wang.xiaoming@example.com 收到发票了吗", [("email", "wang.xiaoming@example.com")]),
    ("护照号E12345678的外籍租户已办理登记", [("passport", "E12345678")]),
    ("黄先生家的狗一直叫，他住12幢3号", [("person_name", "黄先生"), ("address", "12幢3号")]),
    ("今天白色的车停在B1-023车位了", []),
    ("高兴地通知大家，小区新开了一家超市", []),
    ("收件人：孙丽 13600001111 地址：锦绣华庭8号楼2单元301",
     [("person_name", "孙丽"), ("phone", "13600001111"), ("address", "锦绣华庭8号楼2单元301")]),
    ("租客小吴说她电话换了，新号码是17712345678", [("phone", "17712345678")]),
    ("发票号码 04400210011112345678，金额¥1,280.00", []),
    ("请业主于2026年12月1日前缴纳", []),
    ("管家群里有人发了1栋2单元1802的照片", [("address", "1栋2单元1802")]),
    ("您好，我是6号楼1203的业主，电话１３８１２３４５６７８", [("address", "6号楼1203"),
                                               ("phone", "１３８１２３４５６７８")]),
    ("维修工单WO-20261128-0003已完成", []),
    ("王府井大街的万达广场周末有活动", []),
    ("联系人：钱女士（15912340000），预约周六上门",
     [("person_name", "钱女士"), ("phone", "15912340000")]),
]


def build() -> list[dict]:
    out = []
    for n, (text, labels) in enumerate(CASES):
        spans = []
        for kind, sub in labels:
            start = text.index(sub)
            spans.append({"type": kind, "start": start, "end": start + len(sub)})
        out.append({"id": f"h{n:03d}", "kind": "heldout", "text": text,
                    "spans": sorted(spans, key=lambda s: s["start"])})
    return out


if __name__ == "__main__":
    path = Path(__file__).with_name("heldout.jsonl")
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in build()),
                    encoding="utf-8")
    print(f"{len(CASES)} texts → {path}")
