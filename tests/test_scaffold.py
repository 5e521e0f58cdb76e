"""`site-builder new`: a skeleton with every section that passes `check`
once filled, and never overwrites a filing."""
from __future__ import annotations

from site_builder.cli import main

FILLED = {
    "  province:": "  province: 河北省",
    "  city:": "  city: 唐山市",
    "  county:": "  county: 路南区",
    "  name:                      # 单位名称": "  name: 唐山市路南区机关事务中心(接待中心)",
    "  title:": "  title: 唐山市路南区机关事务中心(接待中心)2026年部门预算绩效目标",
    "  overall_goal: |-": "  overall_goal: |-\n    强化权属集中统一管理。",
    "    - \n  safeguards:": "    - 通信保障。\n  safeguards:",
    "  safeguards:                # 三、工作保障措施\n    - ": "  safeguards:\n    - 科学安排，统筹兼顾。",
    "  - code:": '  - code: "13020226P00005210001P"',
    "    name:                    # 项目名称": "    name: 保安保洁物业管理服务",
    "      total:": "      total: 241.74",
    "      fiscal:": "      fiscal: 241.74",
    "    purpose:": "    purpose: 用于支付保安保洁物业管理费",
    "      mar:": "      mar: 25", "      jun:": "      jun: 50", "      oct:": "      oct: 75", "      dec:": "      dec: 100",
    "    goals:                   # 绩效目标（每条一行，不写编号）\n      - ": "    goals:\n      - 保障两地保安保洁工作顺利进行",
    "        name:": "        name: 保安保洁员工数量充足",
    "        description:": "        description: 保安保洁员工数量充足",
    '        target: ""': '        target: "≥59人"',
    "        basis:": "        basis: 出勤表",
}


def test_new_writes_a_skeleton_that_passes_check_once_filled(tmp_path, capsys):
    assert main(["new", "--root", str(tmp_path), "--region", "130202", "--agency", "430001", "--year", "2026"]) == 0
    path = tmp_path / "content" / "filings" / "130202-430001-2026.yaml"
    text = path.read_text(encoding="utf-8")
    for section in ("schema:", "region:", "agency:", "source:", "overview:", "projects:", "budget:",
                    "spending_plan:", "goals:", "indicators:"):
        assert section in text
    assert "项目编码" in text and "指标值" in text  # explained in Chinese
    # unfilled: check names each empty field with its line
    assert main(["check", str(path)]) == 1
    out = capsys.readouterr().out
    assert f"{path}:" in out and "(agency.name)" in out and "(projects[0].budget.total)" in out
    for old, new in FILLED.items():
        assert old in text, old
        text = text.replace(old, new, 1)
    path.write_text(text, encoding="utf-8")
    assert main(["check", str(path)]) == 0, capsys.readouterr().out


def test_new_refuses_to_overwrite(tmp_path, capsys):
    args = ["new", "--root", str(tmp_path), "--region", "130202", "--agency", "430001", "--year", "2026"]
    assert main(args) == 0
    path = tmp_path / "content" / "filings" / "130202-430001-2026.yaml"
    path.write_text("# my work\n", encoding="utf-8")
    assert main(args) == 1
    assert "already exists" in capsys.readouterr().err
    assert path.read_text(encoding="utf-8") == "# my work\n"


def test_new_rejects_bad_codes(tmp_path, capsys):
    assert main(["new", "--root", str(tmp_path), "--region", "13/02", "--year", "2026"]) == 1
    assert "6-digit" in capsys.readouterr().err
    assert not (tmp_path / "content").exists()
