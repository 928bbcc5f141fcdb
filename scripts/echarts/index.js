/* The dashboards' ECharts: only what static/js/dashboards.js draws, bundled by
   scripts/build_echarts.sh into static/vendor/echarts/echarts.min.js (a classic script that
   sets the global `echarts`, as the full build did). Add a chart or component here when the
   dashboards start using it; an option naming one that is missing is ignored without a word.

   - bar: the trend's stacked kinds, department and county bars, quarters
   - line: hours per cadre per week on the trend, the indicator sparklines (with areaStyle)
   - grid with category and value axes (x and y, two y axes on the trend), containLabel on
     every grid (LegacyGridContainLabel keeps 6.x laying that out as 5.x did)
   - tooltip (trigger "axis", with its axis pointer, "shadow" on horizontal bars)
   - legend, plain (trend, quarter kinds; none is of type "scroll")
   - markLine: the county target on the trend
   - graphic: the "nothing to show" text of an empty chart
   - canvas renderer only (dashboards.js asks for { renderer: "canvas" }) */
import { use } from "echarts/core";
import { BarChart, LineChart } from "echarts/charts";
import {
  GraphicComponent,
  GridComponent,
  LegendPlainComponent,
  MarkLineComponent,
  TooltipComponent,
} from "echarts/components";
import { LegacyGridContainLabel } from "echarts/features";
import { CanvasRenderer } from "echarts/renderers";

use([
  BarChart,
  LineChart,
  GridComponent,
  TooltipComponent,
  LegendPlainComponent,
  MarkLineComponent,
  GraphicComponent,
  LegacyGridContainLabel,
  CanvasRenderer,
]);

export * from "echarts/core";
