"""``site-builder new``: a filing skeleton with every section, explained in Chinese.

The skeleton is deliberately not valid until an editor fills it: every
placeholder is an empty value that ``check`` reports with its line, so
nothing invented can be published by accident.
"""
from __future__ import annotations

import re
from pathlib import Path

TEMPLATE = """\
# yaml-language-server: $schema=../../site_builder/schema/filing.schema.json
# 部门预算绩效目标填报文件（格式说明：docs/filing-format.md）
# 照录原文：保留原文的错别字，只去掉转换造成的断行和空格；有歧义处加 note。
# 空白单元格：删除该行；原文印着 0 就写 0。填完后运行：site-builder check {path}
schema: 1
year: {year}                 # 预算年度
region:
  code: "{region}"           # 行政区划代码（6位）
  province:                  # 省，如：河北省
  city:                      # 市，如：唐山市（没有可删除）
  county:                    # 县区，如：路南区（没有可删除）
agency:
  code: "{agency}"           # 单位代码（原文没有可删除）
  name:                      # 单位名称，照原文
  scope: 本级                # 本级 或 汇总
source:
  title:                     # 文件标题，如：XX单位{year}年部门预算绩效目标
  # publisher: …            # 署名（原文印出发布或编制单位时照录）
  # url: https://…           # 发布网址（有则填写）
  # published: {year}-01-31  # 发布日期 YYYY-MM-DD（原文或发布网站给出时填写）
  # added: {year}-02-15      # 本站收录日期 YYYY-MM-DD（发布前填写）
  # note: 转录说明
unit: 万元
overview:                    # 第一部分 部门整体绩效目标（没有可删除整段）
  overall_goal: |-           # 一、总体绩效目标（Markdown，段落之间空一行）
    
  sub_goals:                 # 二、分项绩效目标（每项一条，不写编号）
    - 
  safeguards:                # 三、工作保障措施
    - 
projects:                    # 第二部分 预算项目绩效目标，每个项目一段
  - code:                    # 项目编码（原文没有可删除）
    name:                    # 项目名称
    budget:
      total:                 # 预算数 / 年度资金总额（万元，照原文小数位）
      fiscal:                # 其中：财政资金 / 当年财政拨款
      # carryover:           # 上年结转资金
      # other:               # 其他资金（空白则删除）
    purpose:                 # 资金用途
    spending_plan:           # 资金支出计划，累计值（原文缺哪个时点就删哪行）
      unit: percent          # percent（%）或 amount（万元）
      mar:                   # 3月底
      jun:                   # 6月底
      oct:                   # 10月底
      dec:                   # 12月底
    goals:                   # 绩效目标（每条一行，不写编号）
      - 
    indicators:              # 绩效指标表，每行一条；合并单元格在每行写全
      - level1: 产出指标     # 一级指标
        level2: 数量指标     # 二级指标
        name:                # 三级指标
        description:         # 绩效指标描述
        target: ""           # 指标值，照原文，如 "≥59人"
        basis:               # 指标值确定依据
"""


class ScaffoldError(Exception):
    pass


def new_filing(content: Path, region: str, agency: str | None, year: int) -> Path:
    if not re.fullmatch(r"\d{6}", region):
        raise ScaffoldError(f"--region must be a 6-digit division code such as 130202 (got {region!r})")
    if agency is not None and not re.fullmatch(r"[0-9A-Za-z]{1,12}", agency):
        raise ScaffoldError(f"--agency must be 1-12 letters or digits such as 430001 (got {agency!r})")
    if not 2000 <= year <= 2100:
        raise ScaffoldError(f"--year must be between 2000 and 2100 (got {year})")
    name = f"{region}-{agency}-{year}.yaml" if agency else f"{region}-{year}.yaml"
    path = content / "filings" / name
    if path.exists():
        raise ScaffoldError(f"{path} already exists; edit it instead (nothing was overwritten)")
    text = TEMPLATE.format(region=region, agency=agency or "", year=year, path=path)
    if not agency:
        text = text.replace('  code: ""           # 单位代码（原文没有可删除）\n', "")
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "x", encoding="utf-8") as fh:  # "x": never overwrite, even in a race
        fh.write(text)
    return path
