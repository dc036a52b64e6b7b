import { useEffect, useMemo, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { Schemas } from './api.js';

type SizePoint = Schemas['SizeHistory']['points'][number];

/**
 * One uPlot chart, rebuilt when its data changes and resized with its container. The
 * container carries the number of points drawn (`data-points`), for tests and tooltips.
 */
const UPlot = ({ options, data, testId, className }: { options: Omit<uPlot.Options, 'width'>; data: uPlot.AlignedData; testId: string; className?: string }) => {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const element = ref.current;
    if (!element) return;
    const chart = new uPlot({ ...options, width: element.clientWidth || 600 } as uPlot.Options, data, element);
    const observer = new ResizeObserver(() => chart.setSize({ width: element.clientWidth || 600, height: options.height }));
    observer.observe(element);
    return () => {
      observer.disconnect();
      chart.destroy();
    };
  }, [options, data]);
  return <div ref={ref} class={className} data-testid={testId} data-points={data[0]?.length ?? 0} />;
};

const seconds = (points: SizePoint[]) => points.map((p) => Date.parse(p.at) / 1000);

/** Size over time as a line, with the entries and exits of each step as bars on a second axis. */
export const SizeChart = ({ points, step }: { points: SizePoint[]; step: string }) => {
  const options = useMemo((): Omit<uPlot.Options, 'width'> => {
    const bars = uPlot.paths.bars!({ size: [0.3, 24], gap: 1 });
    return {
      height: 280,
      scales: { x: { time: true }, size: { range: (_u, min, max) => [Math.min(0, min), Math.max(1, max * 1.1)] }, n: { range: (_u, _min, max) => [0, Math.max(1, max * 1.2)] } },
      series: [
        {},
        { label: 'size', scale: 'size', stroke: '#2563eb', width: 2, points: { show: points.length < 60 } },
        { label: `entered per ${step === '1h' ? 'hour' : 'day'}`, scale: 'n', stroke: '#16a34a', fill: 'rgba(22,163,74,0.35)', paths: bars, points: { show: false } },
        { label: `exited per ${step === '1h' ? 'hour' : 'day'}`, scale: 'n', stroke: '#dc2626', fill: 'rgba(220,38,38,0.35)', paths: bars, points: { show: false } },
      ],
      axes: [{}, { scale: 'size', label: 'members' }, { scale: 'n', side: 1, label: 'entered / exited', grid: { show: false } }],
    };
  }, [points.length, step]);
  const data = useMemo((): uPlot.AlignedData => [seconds(points), points.map((p) => p.size), points.map((p) => p.entered), points.map((p) => p.exited)], [points]);
  return <UPlot options={options} data={data} testId="size-chart" className="chart" />;
};

/** A 30-day sparkline of a segment's size: no axes, no legend. */
export const Sparkline = ({ points }: { points: SizePoint[] }) => {
  const options = useMemo((): Omit<uPlot.Options, 'width'> => ({
    height: 32,
    legend: { show: false },
    cursor: { show: false },
    scales: { x: { time: true }, y: { range: (_u, min, max) => [Math.min(0, min), Math.max(1, max)] } },
    series: [{}, { stroke: '#2563eb', width: 1.5, fill: 'rgba(37,99,235,0.12)', points: { show: false } }],
    axes: [{ show: false }, { show: false }],
  }), []);
  const data = useMemo((): uPlot.AlignedData => [seconds(points), points.map((p) => p.size)], [points]);
  return <UPlot options={options} data={data} testId="sparkline" className="sparkline" />;
};
