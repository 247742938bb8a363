"""Demo unit tree, officers of every role, parties, vehicles and credentials (some valid, one expired,
one revoked) — what ``roadside demo`` loads so a newcomer sees a working system at once."""
from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from server.adapters import passwords
from server.adapters.models import Credential, EnforcementCertificate, Officer, Party, Unit, Vehicle
from server.domain.timeutil import local_today
from server import demo_patrol
from server.services import catalog
from server.services.uow import UnitOfWork

DEMO_PASSWORD = "roadside-demo-2026"

UNITS = [
    # code, name, level, parent code, doc prefix, lat, lon, radius
    ("ZD01", "呼和浩特市交通运输综合行政执法支队", "detachment", None, "呼交执", 40.8424, 111.7490, 80000),
    ("DD01", "新城区大队", "brigade", "ZD01", "呼交执新", 40.8650, 111.6620, 20000),
    ("DD02", "赛罕区大队", "brigade", "ZD01", "呼交执赛", 40.7920, 111.7080, 20000),
]

# username, name, unit, roles, certificate number, certificate state
OFFICERS = [
    ("admin", "系统管理员", "ZD01", ["admin"], None, None),
    ("leader", "王建国", "ZD01", ["leader", "officer"], "15010001", "active"),
    ("reviewer", "陈法审", "ZD01", ["legal_reviewer"], "15010002", "active"),
    ("zhangwei", "张伟", "DD01", ["officer"], "15010101", "active"),
    ("lina", "李娜", "DD01", ["officer"], "15010102", "active"),
    ("leader_dd01", "刘带班", "DD01", ["leader", "officer"], "15010103", "active"),
    ("zhaolei", "赵磊", "DD01", ["officer"], "15010104", "suspended"),
    ("wangqiang", "王强", "DD02", ["officer"], "15010201", "active"),
    ("sunyu", "孙宇", "DD02", ["officer"], "15010202", "expired"),
    ("zhoujie", "周杰", "DD02", ["officer"], "15010203", "active"),
]

PARTIES = [
    ("person", "刘某军", "150102198805123456", "13800000001", "呼和浩特市新城区"),
    ("person", "马某华", "150104199002234567", "13800000002", "呼和浩特市赛罕区"),
    ("person", "高某峰", "150105198512045678", "13800000003", "呼和浩特市回民区"),
    ("organisation", "呼和浩特市顺达货运有限公司", "91150100MA0N000001", "0471-6000001", "呼和浩特市新城区兴安北路1号"),
    ("organisation", "内蒙古草原物流有限公司", "91150100MA0N000002", "0471-6000002", "呼和浩特市赛罕区大学东街2号"),
    ("organisation", "呼和浩特市鑫路客运有限公司", "91150100MA0N000003", "0471-6000003", "呼和浩特市回民区中山西路3号"),
]

VEHICLES = [("蒙A12345", "黄", "重型厢式货车", 3), ("蒙A67890", "黄", "重型半挂牵引车", 4),
            ("蒙A24680", "黄", "大型普通客车", 5), ("蒙A13579", "黄", "中型厢式货车", 3)]


def load(uow: UnitOfWork, today: date | None = None) -> bool:
    """Load the demo data unless units already exist. Returns True when it loaded."""
    today = today or local_today()
    with uow:
        if uow.session.scalar(select(Unit.id).limit(1)) is not None:
            return False
        units: dict[str, Unit] = {}
        for code, name, level, parent, prefix, lat, lon, radius in UNITS:
            unit = Unit(code=code, name=name, level=level, parent_id=units[parent].id if parent else None,
                        doc_prefix=prefix, center_lat=lat, center_lon=lon, radius_m=radius)
            uow.session.add(unit)
            uow.session.flush()
            unit.path = (units[parent].path if parent else "/") + f"{unit.id}/"
            units[code] = unit
            uow.record(None, "unit.create", "unit", unit.id, {"code": code, "name": name}, unit_id=unit.id)
        pw_hash = passwords.hash_password(DEMO_PASSWORD)
        for username, name, unit_code, roles, cert_no, cert_state in OFFICERS:
            officer = Officer(unit_id=units[unit_code].id, username=username, full_name=name,
                              password_hash=pw_hash, roles=roles)
            uow.session.add(officer)
            uow.session.flush()
            if cert_no:
                valid_until = today - timedelta(days=10) if cert_state == "expired" else today + timedelta(days=900)
                if username == "zhoujie":  # expires soon: exercises the 30-day reminder
                    valid_until = today + timedelta(days=20)
                cert = EnforcementCertificate(
                    officer_id=officer.id, number=cert_no, issuing_authority="内蒙古自治区交通运输厅",
                    valid_from=today - timedelta(days=700), valid_until=valid_until,
                    annual_review_due=today + timedelta(days=120),
                    status="suspended" if cert_state == "suspended" else "active",
                    status_reason="年度培训考核不合格，暂扣执法证" if cert_state == "suspended" else None)
                uow.session.add(cert)
            uow.record(None, "officer.create", "officer", officer.id, {"username": username, "roles": roles},
                       unit_id=officer.unit_id)
        parties = []
        for kind, name, id_number, phone, address in PARTIES:
            party = Party(kind=kind, name=name, id_number=id_number, phone=phone, address=address)
            uow.session.add(party)
            parties.append(party)
        uow.session.flush()
        vehicles = []
        for plate, color, vtype, owner_index in VEHICLES:
            vehicle = Vehicle(plate=plate, plate_color=color, vehicle_type=vtype, owner_party_id=parties[owner_index].id)
            uow.session.add(vehicle)
            vehicles.append(vehicle)
        uow.session.flush()
        creds = [
            ("road_transport_cert", "蒙交运管呼字150100001001号", parties[3], vehicles[0], "valid", 400),
            ("road_transport_cert", "蒙交运管呼字150100001002号", parties[4], vehicles[1], "valid", 300),
            ("road_transport_cert", "蒙交运管呼字150100001003号", parties[5], vehicles[2], "expired", -30),
            ("road_transport_cert", "蒙交运管呼字150100001004号", parties[3], vehicles[3], "revoked", 200),
            ("qualification_cert", "150102198805123456", parties[0], None, "valid", 1200),
            ("qualification_cert", "150104199002234567", parties[1], None, "valid", 800),
            ("qualification_cert", "150105198512045678", parties[2], None, "valid", 25),
            ("business_license", "蒙交运管许可呼字150100000101号", parties[3], None, "valid", 1500),
            ("business_license", "蒙交运管许可呼字150100000102号", parties[4], None, "valid", 1000),
        ]
        for kind, number, holder, vehicle, state, days in creds:
            cred = Credential(kind=kind, number=number, holder_party_id=holder.id,
                              vehicle_id=vehicle.id if vehicle else None, issuing_authority="呼和浩特市交通运输局",
                              valid_from=today - timedelta(days=365), valid_until=today + timedelta(days=days),
                              annual_review_due=today + timedelta(days=min(days, 180)) if days > 0 else None,
                              status="revoked" if state == "revoked" else "valid")
            uow.session.add(cred)
        uow.session.flush()
        uow.commit()
    catalog.load_seed(uow)
    demo_patrol.load(uow, today)
    return True


def summary() -> str:
    lines = ["演示账号（密码均为 %s）：" % DEMO_PASSWORD]
    for username, name, unit, roles, cert_no, state in OFFICERS:
        note = {"suspended": "（执法证已暂停）", "expired": "（执法证已过期）"}.get(state or "", "")
        lines.append(f"  {username:<12} {name:<6} {unit} {'/'.join(roles)}{note}")
    return "\n".join(lines)
