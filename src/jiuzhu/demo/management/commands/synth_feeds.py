"""`jiuzhu synth_feeds --registry DIR --seed S --out DIR`: the ten department feeds for a registry."""

import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "为合成县登记库导出生成十个部门的数据文件（含植入问题、脏数据与真值文件，见 docs/data-formats.md）。"

    def add_arguments(self, parser):
        parser.add_argument(
            "--registry", type=Path, required=True, help="jiuzhu synth 写出的登记库导出目录"
        )
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--out", type=Path, required=True)
        parser.add_argument("--format", choices=["csv", "parquet"], default="csv")
        parser.add_argument("--dirt", type=float, default=0.15, help="脏数据行的比例（默认0.15）")
        parser.add_argument(
            "--county-factor",
            type=float,
            default=1.0,
            help="每个登记人员对应的非登记人员行数（每个部门）",
        )

        parser.add_argument(
            "--duplicate-share",
            type=float,
            default=0.005,
            help="登记库内重复人员的比例（写入 registry_duplicates/ 目录，默认0.005；0 不生成）",
        )

    def handle(
        self, *args, registry, seed, out, format, dirt, county_factor, duplicate_share, **options
    ):
        from jiuzhu.demo import synth_duplicates
        from jiuzhu.demo.synth_feeds import generate, registry_frame, write

        t0 = time.perf_counter()
        try:
            reg = registry_frame(registry)
        except FileNotFoundError as exc:
            raise CommandError(str(exc)) from exc
        fs = generate(reg, seed=seed, dirt=dirt, county_factor=county_factor)
        write(fs, out, fmt=format)
        dups = ""
        if duplicate_share > 0:
            planted = synth_duplicates.plant_duplicates(
                registry, seed=seed + 1, share=duplicate_share
            )
            synth_duplicates.write(planted, Path(out) / "registry_duplicates", truth_dir=out)
            dups = (
                f"登记库内重复 {len(planted.truth):,} 人（registry_duplicates/，在登记库之后用"
                f" jiuzhu import registry 导入；真值 {synth_duplicates.TRUTH_FILE}）；"
            )
        counts = "，".join(f"{d} {len(f):,}" for d, f in fs.feeds.items())
        self.stdout.write(
            f"部门数据已写出到 {out}：{counts}；植入问题 {len(fs.planted):,} 条（planted_cases.csv），"
            f"真值 feeds_ground_truth.csv；{dups}用时 {time.perf_counter() - t0:.1f} 秒。"
        )
