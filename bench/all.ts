/** Every benchmark in one run, one table: `npm run bench` (options: bench/options.ts). */
import { cases as gemm } from './gemm';
import { cases as conv } from './conv';
import { cases as attention } from './attention';
import { cases as bottleneck } from './bottleneck';
import { cases as ssa } from './ssa';
import { cases as trainStep } from './train-step';
import { runAsScript } from './run';

runAsScript('latest', [...gemm, ...conv, ...attention, ...bottleneck, ...ssa, ...trainStep]);
