"""Synthetic paper images (ID cards, 户口簿 pages, 残疾人证, bank cards, medical bills, income
certificates) drawn with Pillow and a CJK font, for the tests and ``bench/bench_ocr.py``.

Layouts follow the real papers loosely (labels small, values larger); nothing here is a real
person. ``noisy`` adds what phone photos add: a small rotation, blur and JPEG quality 40."""

from __future__ import annotations

import datetime
import io
import random

from PIL import Image, ImageDraw, ImageFilter, ImageFont

from jiuzhu.core import idcard

FONT = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾萧田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国文玉兰红梅海燕鹏飞志强春梅丹辉斌宇浩凯俊峰晨雪琳颖佳欣怡子轩梓涵"
ETHNIC = ("汉", "汉", "汉", "回", "满", "苗", "壮")
STREETS = (
    "海陵区城东街道凤凰路",
    "海陵区城西街道鼓楼路",
    "姜堰区三水街道人民路",
    "高港区口岸街道江洲路",
    "兴化市昭阳街道英武路",
    "靖江市靖城街道人民南路",
    "泰兴市济川街道羌溪路",
)
BANKS = (
    ("中国农业银行", "622848"),
    ("中国工商银行", "622202"),
    ("中国建设银行", "621700"),
    ("中国银行", "621661"),
    ("中国邮政储蓄银行", "621799"),
    ("江苏银行", "622173"),
)
HOSPITALS = (
    "泰州市人民医院",
    "泰州市中医院",
    "姜堰区人民医院",
    "兴化市人民医院",
    "海陵区城东社区卫生服务中心",
)
EMPLOYERS = (
    "泰州市恒达机械有限公司",
    "江苏华瑞纺织有限公司",
    "泰州市海陵区鑫源食品厂",
    "兴化市绿野蔬菜专业合作社",
    "泰兴市宏达物流有限公司",
)
CATEGORIES = ("视力", "听力", "言语", "肢体", "智力", "精神", "多重")
GRADE_TEXT = {1: "一级", 2: "二级", 3: "三级", 4: "四级"}
RELATIONS = ("户主", "配偶", "长子", "长女", "次子", "次女", "母亲", "父亲", "孙子", "孙女")

_FONTS: dict[int, ImageFont.FreeTypeFont] = {}


def font(size: int) -> ImageFont.FreeTypeFont:
    if size not in _FONTS:
        _FONTS[size] = ImageFont.truetype(FONT, size)
    return _FONTS[size]


def luhn_complete(prefix: str) -> str:
    """``prefix`` plus the Luhn check digit."""
    total = 0
    for i, ch in enumerate(reversed(prefix)):
        d = int(ch)
        if i % 2 == 0:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return prefix + str((10 - total % 10) % 10)


def person(rng: random.Random, *, today: datetime.date) -> dict:
    sex = rng.choice("MF")
    birth = datetime.date(rng.randint(1940, 2005), rng.randint(1, 12), rng.randint(1, 28))
    area = rng.choice(("321202", "321203", "321204", "321281", "321282", "321283"))
    number = idcard.make_id_number(area, birth, rng.randint(1, 499), sex)
    name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))
    start = datetime.date(
        rng.randint(today.year - 9, today.year - 1), rng.randint(1, 12), rng.randint(1, 28)
    )
    return {
        "name": name,
        "sex": sex,
        "ethnicity": rng.choice(ETHNIC),
        "birth_date": birth.isoformat(),
        "address": f"江苏省泰州市{rng.choice(STREETS)}{rng.randint(1, 299)}号{rng.randint(1, 30)}幢{rng.randint(101, 1802)}室",
        "id_number": number,
        "issuer": "泰州市公安局" + rng.choice(("海陵分局", "姜堰分局", "高港分局")),
        "valid_from": start.isoformat(),
        "valid_to": start.replace(year=start.year + 20).isoformat(),
    }


def _canvas(w: int, h: int, colour=(246, 244, 236)) -> tuple[Image.Image, ImageDraw.ImageDraw]:
    im = Image.new("RGB", (w, h), colour)
    return im, ImageDraw.Draw(im)


def _framed(card: Image.Image, margin: int = 48) -> Image.Image:
    """The card on a plain table-top background, as photographed."""
    out = Image.new("RGB", (card.width + 2 * margin, card.height + 2 * margin), (196, 200, 206))
    out.paste(card, (margin, margin))
    return out


def _sexword(sex: str) -> str:
    return {"M": "男", "F": "女"}.get(sex, sex)


def _cn_date(iso: str) -> str:
    y, m, d = iso.split("-")
    return f"{int(y)} 年 {int(m)} 月 {int(d)} 日"


def id_front(p: dict) -> Image.Image:
    im, dr = _canvas(856, 540)
    lab, val = font(24), font(30)
    grey, ink = (90, 100, 120), (20, 20, 20)
    dr.text((60, 50), "姓名", font=lab, fill=grey)
    dr.text((140, 44), p["name"], font=val, fill=ink)
    dr.text((60, 120), "性别", font=lab, fill=grey)
    dr.text((140, 114), _sexword(p["sex"]), font=val, fill=ink)
    dr.text((260, 120), "民族", font=lab, fill=grey)
    dr.text((340, 114), p["ethnicity"], font=val, fill=ink)
    dr.text((60, 190), "出生", font=lab, fill=grey)
    dr.text((140, 184), _cn_date(p["birth_date"]), font=val, fill=ink)
    dr.text((60, 260), "住址", font=lab, fill=grey)
    addr = p["address"]
    for i in range(0, len(addr), 13):
        dr.text((140, 254 + (i // 13) * 42), addr[i : i + 13], font=val, fill=ink)
    dr.rectangle((610, 60, 800, 300), outline=(160, 160, 170), width=2)  # the photo
    dr.text((60, 450), "公民身份号码", font=lab, fill=grey)
    dr.text((250, 442), p["id_number"], font=font(34), fill=ink)
    return _framed(im)


def id_back(p: dict) -> Image.Image:
    im, dr = _canvas(856, 540)
    dr.text((300, 80), "中华人民共和国", font=font(40), fill=(30, 30, 30))
    dr.text((330, 150), "居民身份证", font=font(44), fill=(30, 30, 30))
    dr.text((100, 370), "签发机关", font=font(24), fill=(90, 100, 120))
    dr.text((230, 364), p["issuer"], font=font(30), fill=(20, 20, 20))
    dr.text((100, 440), "有效期限", font=font(24), fill=(90, 100, 120))
    end = p["valid_to"].replace("-", ".") if p["valid_to"] != "长期" else "长期"
    dr.text(
        (230, 434), f"{p['valid_from'].replace('-', '.')}-{end}", font=font(30), fill=(20, 20, 20)
    )
    return _framed(im)


def hukou(p: dict, relation: str) -> Image.Image:
    im, dr = _canvas(900, 620, (250, 248, 240))
    dr.text((320, 30), "常住人口登记卡", font=font(38), fill=(40, 40, 40))
    rows = (
        ("姓名", p["name"]),
        ("户主或与户主关系", relation),
        ("性别", _sexword(p["sex"])),
        ("出生日期", _cn_date(p["birth_date"])),
        ("公民身份号码", p["id_number"]),
    )
    for i, (k, v) in enumerate(rows):
        y = 120 + i * 92
        dr.rectangle((40, y - 14, 860, y + 62), outline=(120, 120, 120), width=1)
        dr.text((60, y + 6), k, font=font(26), fill=(70, 70, 90))
        dr.text((330, y), v, font=font(32), fill=(20, 20, 20))
    return _framed(im)


def disability(p: dict, category: str, grade: int) -> Image.Image:
    im, dr = _canvas(860, 560, (236, 244, 236))
    dr.text((230, 30), "中华人民共和国残疾人证", font=font(36), fill=(30, 60, 30))
    cert = p["id_number"] + str(CATEGORIES.index(category) + 1) + str(grade)
    rows = (
        ("姓名", p["name"]),
        ("性别", _sexword(p["sex"])),
        ("残疾类别", category),
        ("残疾等级", GRADE_TEXT[grade]),
        ("证号", cert),
    )
    for i, (k, v) in enumerate(rows):
        y = 120 + i * 80
        dr.text((70, y + 6), k, font=font(26), fill=(70, 90, 70))
        dr.text((230, y), v, font=font(32), fill=(20, 20, 20))
    return _framed(im)


def bank_card(bank: str, number: str) -> Image.Image:
    im, dr = _canvas(856, 540, (36, 92, 84))
    dr.text((50, 40), bank, font=font(40), fill=(250, 250, 250))
    dr.text((660, 44), "银联", font=font(34), fill=(250, 230, 200))
    dr.text((60, 130), "借记卡", font=font(28), fill=(230, 230, 230))
    groups = " ".join(number[i : i + 4] for i in range(0, len(number), 4))
    dr.text((60, 320), groups, font=font(46), fill=(255, 255, 255))
    return _framed(im)


def medical(hospital: str, date: str, total: str, self_paid: str, name: str) -> Image.Image:
    im, dr = _canvas(900, 640, (252, 252, 248))
    dr.text((240, 30), "住院医疗费用结算单", font=font(36), fill=(150, 30, 30))
    rows = (
        ("医疗机构", hospital),
        ("姓名", name),
        ("结算日期", date),
        ("医疗费总额", f"{total} 元"),
        ("统筹支付", f"{(float(total) - float(self_paid)):.2f} 元"),
        ("个人自付", f"{self_paid} 元"),
    )
    for i, (k, v) in enumerate(rows):
        y = 110 + i * 80
        dr.text((70, y + 4), f"{k}：", font=font(26), fill=(60, 60, 60))
        dr.text((300, y), v, font=font(30), fill=(20, 20, 20))
    return _framed(im)


def income(employer: str, name: str, amount: str, start: str, end: str) -> Image.Image:
    im, dr = _canvas(900, 640, (255, 255, 255))
    dr.text((360, 40), "收入证明", font=font(40), fill=(20, 20, 20))
    y0, m0 = start.split("-")
    y1, m1 = end.split("-")
    lines = (
        f"兹证明{name}同志系我单位职工，",
        f"{int(y0)}年{int(m0)}月至{int(y1)}年{int(m1)}月",
        f"月收入 {amount} 元。",
        f"单位名称：{employer}",
    )
    for i, t in enumerate(lines):
        dr.text((80, 150 + i * 80), t, font=font(30), fill=(20, 20, 20))
    dr.ellipse((560, 420, 760, 600), outline=(200, 40, 40), width=4)  # the seal
    return _framed(im)


def noisy(im: Image.Image, rng: random.Random, *, quality: int = 40) -> bytes:
    """Rotate a little (±3°), blur a little, save as JPEG of the given quality."""
    angle = rng.uniform(-3, 3)
    im = im.rotate(angle, resample=Image.BICUBIC, expand=True, fillcolor=(196, 200, 206))
    im = im.filter(ImageFilter.GaussianBlur(rng.uniform(0.3, 1.0)))
    return jpeg(im, quality=quality)


def jpeg(im: Image.Image, *, quality: int = 90) -> bytes:
    buf = io.BytesIO()
    im.save(buf, "JPEG", quality=quality)
    return buf.getvalue()


def png(im: Image.Image) -> bytes:
    buf = io.BytesIO()
    im.save(buf, "PNG")
    return buf.getvalue()


def sample(kind: str, rng: random.Random, *, today: datetime.date) -> tuple[Image.Image, dict]:
    """One generated paper of ``kind`` and the fields it shows (as ``engine.fields`` yields them)."""
    p = person(rng, today=today)
    if kind == "id_front":
        return id_front(p), {
            k: p[k] for k in ("name", "sex", "ethnicity", "birth_date", "address", "id_number")
        }
    if kind == "id_back":
        return id_back(p), {k: p[k] for k in ("issuer", "valid_from", "valid_to")}
    if kind == "hukou":
        rel = rng.choice(RELATIONS)
        return hukou(p, rel), {
            "name": p["name"],
            "relation": rel,
            "sex": p["sex"],
            "birth_date": p["birth_date"],
            "id_number": p["id_number"],
        }
    if kind == "disability":
        cat, grade = rng.choice(CATEGORIES), rng.randint(1, 4)
        cert = p["id_number"] + str(CATEGORIES.index(cat) + 1) + str(grade)
        return disability(p, cat, grade), {
            "name": p["name"],
            "sex": p["sex"],
            "id_number": p["id_number"],
            "category": cat,
            "grade": str(grade),
            "certificate": cert,
        }
    if kind == "bank_card":
        bank, bin6 = rng.choice(BANKS)
        number = luhn_complete(bin6 + "".join(str(rng.randint(0, 9)) for _ in range(12)))
        return bank_card(bank, number), {"bank": bank, "card_number": number}
    if kind == "medical":
        total = rng.randint(20000, 9000000) / 100
        paid = round(total * rng.uniform(0.1, 0.6), 2)
        d = datetime.date(today.year, rng.randint(1, 10), rng.randint(1, 28)).isoformat()
        h = rng.choice(HOSPITALS)
        return medical(h, d, f"{total:.2f}", f"{paid:.2f}", p["name"]), {
            "hospital": h,
            "date": d,
            "total": f"{total:.2f}",
            "self_paid": f"{paid:.2f}",
        }
    if kind == "income":
        emp = rng.choice(EMPLOYERS)
        amount = f"{rng.randint(1200, 6000)}.00"
        y, end = today.year, f"{today.year}-{rng.randint(3, 10):02d}"
        return income(emp, p["name"], amount, f"{y}-01", end), {
            "employer": emp,
            "amount": amount,
            "period_from": f"{y}-01",
            "period_to": end,
        }
    raise ValueError(kind)
