from jiuzhu.core.masking import mask_id_number, mask_name, mask_phone


def test_id_number_keeps_first_and_last_four():
    assert mask_id_number("321202198001011234") == "3212**********1234"


def test_phone_keeps_prefix_and_last_four():
    assert mask_phone("13812345678") == "138****5678"


def test_names_for_public_notice():
    assert mask_name("张伟") == "张*"
    assert mask_name("欧阳明华") == "欧**华"
    assert mask_name("") == ""
