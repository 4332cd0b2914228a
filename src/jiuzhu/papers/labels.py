"""Labels of the codes this app owns: audit actions, kinds of paper, fields, findings, image
problems. Registered with ``jiuzhu.core.labels`` (audit actions) in ``ready()``."""

from django.utils.translation import gettext_lazy as _

AUDIT_ACTIONS = {
    "papers.scan": _("拍照识别证件（填表）"),
    "papers.queue": _("申请材料排队识别"),
    "papers.read": _("证件识别完成"),
    "papers.reading.view": _("查看证件识别结果"),
    "papers.accept": _("采用证件识别值"),
    "papers.keep": _("保留原值（不采用识别值）"),
    "papers.duplicate": _("发现同一影像用于两户（疑似冒领）"),
    "papers.duplicate.view": _("查看疑似冒领影像"),
    "papers.duplicate.decide": _("核实疑似冒领影像"),
}

KINDS = {
    "id_front": _("居民身份证（人像面）"),
    "id_back": _("居民身份证（国徽面）"),
    "hukou": _("户口簿（常住人口登记卡）"),
    "disability": _("残疾人证"),
    "bank_card": _("银行卡"),
    "medical": _("医疗费用票据/结算单"),
    "income": _("收入证明"),
    "": _("未识别出类型"),
}

FIELDS = {
    "name": _("姓名"),
    "sex": _("性别"),
    "ethnicity": _("民族"),
    "birth_date": _("出生日期"),
    "address": _("住址"),
    "id_number": _("身份证号"),
    "issuer": _("签发机关"),
    "valid_from": _("有效期起"),
    "valid_to": _("有效期至"),
    "relation": _("与户主关系"),
    "category": _("残疾类别"),
    "grade": _("残疾等级"),
    "certificate": _("残疾证号"),
    "bank": _("开户银行"),
    "card_number": _("卡号"),
    "hospital": _("医疗机构"),
    "date": _("结算日期"),
    "total": _("医疗费总额(元)"),
    "self_paid": _("个人自付(元)"),
    "employer": _("单位"),
    "amount": _("月收入(元)"),
    "period_from": _("收入期间起"),
    "period_to": _("收入期间止"),
}

FINDINGS = {
    "unread": _("未能识别该项，请人工核对"),
    "unknown_kind": _("未能判断证件类型，请人工核对"),
    "id_check_digit": _("身份证号校验位不符：号码有误或证件可疑"),
    "id_invalid": _("身份证号格式或出生日期无效"),
    "id_birth_mismatch": _("证件上的出生日期与身份证号不一致"),
    "id_sex_mismatch": _("证件上的性别与身份证号不一致"),
    "expired": _("身份证已过有效期"),
    "luhn": _("银行卡号未通过校验（Luhn），可能识别或抄录有误"),
    "self_paid_over_total": _("个人自付金额大于医疗费总额"),
    "other_person": _("证件上的身份证号不属于本户任何成员（他人证件？）"),
    "id_number_differs": _("证件上的身份证号与登记的不一致"),
    "name_differs": _("证件上的姓名与登记的不一致"),
    "sex_differs": _("证件上的性别与登记的不一致"),
    "birth_date_differs": _("证件上的出生日期与登记的不一致"),
    "grade_differs": _("残疾等级与登记的不一致"),
    "self_paid_over_declared": _("票据上的个人自付金额大于申报金额"),
    "income_over_declared": _("收入证明的月收入×12 大于申报的家庭年收入"),
    "poor_image": _("照片质量不足（过小、模糊或未拍全），识别结果不可靠，请补正清晰照片"),
    "duplicate_image": _("同一影像（或近似影像）已用于另一户，疑似冒领"),
}

# Findings whose field a clerk may replace with the value read ("采用识别值").
ACCEPTABLE = {
    "id_number_differs",
    "name_differs",
    "sex_differs",
    "birth_date_differs",
    "grade_differs",
}

PROBLEMS = {
    "too_small": _("图片太小（%(size)s），证件应占满画面，至少 %(min)s 像素"),
    "blurred": _("图片模糊（清晰度 %(value)s），请对准证件、拿稳后重拍"),
    "cut_off": _("证件未拍全（边缘被裁切），请把整张证件放入画面后重拍"),
    "not_image": _("无法读取图片，请上传 JPG 或 PNG 照片"),
}
