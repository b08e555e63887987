/**
 * train-sth's command line as one table: each flag's help line, how its value is checked, where it goes
 * (a run setting, a path into RunSettings, or one of the command's own options) and what --resume does with
 * it. Parsing, --help, the checks of a new run and those of --resume all read this table, so a flag cannot
 * be parsed yet missing from the help, or shape a run yet escape the resume check.
 */
import fs from 'fs';
import path from 'path';
import { parseArgs } from 'util';
import { ssan } from '../src';
import { choiceOption, intListOption, intOption, nonNegativeOption, positiveOption } from './cli-args';
import { SYNTHETIC_RUN } from './synthetic-run';

const { ARCHS, ATTN_SCALES, EMBEDDING_INIT_STD, OUT_INIT } = ssan;
const { DATA_FORMATS } = ssan.data;
type ExperimentConfig = ssan.train.ExperimentConfig;
type RunData = ssan.train.RunData;
type RunSettings = ssan.train.RunSettings;
type TrainRecipe = ssan.train.TrainRecipe;

/** The places in RunSettings a flag can set. */
export type SettingPath =
  | `config.${keyof ExperimentConfig}`
  | `recipe.${keyof TrainRecipe}`
  | `data.${keyof RunData}`
  | 'epochs'
  | 'seed'
  | 'pretrained';

/** The type of the setting at a path, so that a flag's checked value must fit where it goes. */
export type ValueAt<P extends SettingPath> = P extends `config.${infer K extends keyof ExperimentConfig}`
  ? ExperimentConfig[K]
  : P extends `recipe.${infer K extends keyof TrainRecipe}`
    ? TrainRecipe[K]
    : P extends `data.${infer K extends keyof RunData}`
      ? RunData[K]
      : P extends keyof RunSettings
        ? RunSettings[P]
        : never;

const SECTIONS = {
  data: 'data',
  model: 'model',
  input: 'input',
  training: "training (the paper's recipe: Nesterov SGD, weight decay 5e-4, warm-up, plateau, clip 20)",
  run: 'run',
} as const;

/** What the flags that set no run setting tell the command itself (each under its flag's name). */
export interface CommandOptions {
  workers?: number;
  backend?: BackendChoice;
  out?: string;
  resume: boolean;
  overwrite: boolean;
  help: boolean;
}

/** The saved run a --resume continues, for the checks of a flag that takes a new value on resume. */
export interface ResumedRun {
  outDir: string;
  epochsDone: number;
}

/**
 * What --resume does with a flag: 'same' (a run setting must agree with the saved value: the default for a
 * flag with a setting), 'any' (the flag changes how the run goes, not what it computes), or a check of a new
 * value against the saved run, the value then replacing the saved one.
 */
export type OnResume = 'same' | 'any' | ((value: unknown, run: ResumedRun) => void);

export interface Flag {
  /** The flag's name; for a flag without a setting, also its key in CommandOptions. */
  name: string;
  /** The value's placeholder in the help ('N', 'DIR'); a switch has none. */
  arg?: string;
  short?: string;
  section: keyof typeof SECTIONS;
  help: string;
  /** The checked value; a wrong one is an error naming the flag. */
  parse?: (text: string) => unknown;
  /**
   * A check of a new run's setting only (--resume compares with the saved run instead), made before any
   * data is read.
   */
  checkNewRun?: (value: unknown, flags: ParsedFlags) => void;
  /** Where the value goes: a run setting; without one, the command's option of the flag's name. */
  setting?: SettingPath;
  /** What a run whose checkpoint lacks the setting used (it was left to the model's default). */
  savedDefault?: unknown;
  /** What --resume does with the flag (see OnResume); for a flag with a setting, 'same' when left out. */
  onResume?: OnResume;
}

/** A flag that sets a run setting, its checked value typed by where it goes (and so its checks' argument). */
function settingFlag<P extends SettingPath>(
  flag: Omit<Flag, 'setting' | 'parse' | 'checkNewRun' | 'onResume'> & {
    arg: string;
    setting: P;
    parse: (text: string) => ValueAt<P>;
    checkNewRun?: (value: ValueAt<P>, flags: ParsedFlags) => void;
    onResume?: 'same' | 'any' | ((value: ValueAt<P>, run: ResumedRun) => void);
  },
): Flag {
  // The checks are only called with what parse returned, the setting's type.
  return flag as Flag;
}

/**
 * A flag for the command itself: its name is its option's, and a value flag's parse gives the option's type.
 * It has no saved value for --resume to compare with ('any', or left out for --out, --resume and the like).
 */
function commandFlag<K extends keyof CommandOptions>(
  flag: Omit<Flag, 'name' | 'setting' | 'parse' | 'checkNewRun' | 'onResume'> & {
    name: K;
    parse?: (text: string) => NonNullable<CommandOptions[K]>;
    onResume?: 'any';
  },
): Flag {
  return flag;
}

const DEPTHS = ['18', '34', '50', '101'] as const;
const BACKENDS = ['auto', 'ts', 'cpu', 'gpu'] as const;
export type BackendChoice = (typeof BACKENDS)[number];
const syn = SYNTHETIC_RUN;

export const FLAGS: readonly Flag[] = [
  settingFlag({
    name: 'data', arg: 'DIR', section: 'data', help: 'dataset root (the layouts are in the README)',
    setting: 'data.root', parse: (t) => path.resolve(t),
  }),
  settingFlag({
    name: 'format', arg: 'F', section: 'data', help: `${DATA_FORMATS.join(' | ')} (default sthv1)`,
    setting: 'data.format', parse: (t) => choiceOption(t, 'format', DATA_FORMATS),
    checkNewRun: (_format, flags) => {
      if (given(flags, 'data.root') === undefined) throw new Error('--format needs --data (the synthetic set is sthv1)');
    },
  }),
  settingFlag({
    name: 'arch', arg: 'A', section: 'model', help: `${ARCHS.join(' | ')} (default ssan)`,
    setting: 'config.arch', parse: (t) => choiceOption(t, 'arch', ARCHS),
  }),
  settingFlag({
    name: 'depth', arg: 'D', section: 'model', help: `ResNet depth ${DEPTHS.join(' | ')} (default 50; ${syn.config.depth} on the synthetic set)`,
    setting: 'config.depth', parse: (t) => Number(choiceOption(t, 'depth', DEPTHS)) as ExperimentConfig['depth'],
  }),
  settingFlag({
    name: 'width', arg: 'W', section: 'model', help: `ResNet base width (default 64; ${syn.config.width} on the synthetic set)`,
    setting: 'config.width', parse: (t) => intOption(t, 'width', 1),
  }),
  settingFlag({
    name: 'segments', arg: 'T', section: 'model', help: 'frames per clip (default 8)',
    setting: 'config.numSegments', parse: (t) => intOption(t, 'segments', 1),
  }),
  settingFlag({
    name: 'attn-scale', arg: 'S', section: 'model',
    help: `attention score scale ${ATTN_SCALES.join(' | ')} (default len; ${syn.config.attnScale} on the synthetic set)`,
    // The attention blocks' own default, used when the config leaves the field out.
    setting: 'config.attnScale', parse: (t) => choiceOption(t, 'attn-scale', ATTN_SCALES), savedDefault: 'len',
  }),
  settingFlag({
    name: 'attn-init-std', arg: 'S', section: 'model',
    help: `initial weight spread of the attention blocks' convs (default ${EMBEDDING_INIT_STD}; ${syn.config.attnInitStd} on the synthetic set)`,
    setting: 'config.attnInitStd', parse: (t) => positiveOption(t, 'attn-init-std'), savedDefault: EMBEDDING_INIT_STD,
  }),
  settingFlag({
    name: 'attn-out-init', arg: 'G', section: 'model',
    help: `initial scale of the attention blocks' output BatchNorm (default ${OUT_INIT}: each block starts as the identity; ${syn.config.attnOutInit} on the synthetic set)`,
    setting: 'config.attnOutInit', parse: (t) => nonNegativeOption(t, 'attn-out-init'), savedDefault: OUT_INIT,
  }),
  settingFlag({
    name: 'pretrained', arg: 'FILE', section: 'model', help: 'ImageNet ResNet weights (safetensors with torchvision\'s names) for the backbone',
    setting: 'pretrained', parse: (t) => path.resolve(t),
    checkNewRun: (file) => {
      if (file !== undefined && !fs.existsSync(file)) throw new Error(`--pretrained ${file} does not exist`);
    },
  }),
  settingFlag({
    name: 'resize', arg: 'N', section: 'input', help: `frames resized to N x N (default 256; ${syn.config.resize} on the synthetic set)`,
    setting: 'config.resize', parse: (t) => intOption(t, 'resize', 1),
  }),
  settingFlag({
    name: 'crop', arg: 'N', section: 'input', help: `crop side (default 224; ${syn.config.crop} on the synthetic set)`,
    setting: 'config.crop', parse: (t) => intOption(t, 'crop', 1),
  }),
  settingFlag({
    name: 'epochs', arg: 'N', section: 'training', help: `total epochs (default 80; ${syn.epochs} on the synthetic set); --resume takes a new total, at least the epochs done`,
    setting: 'epochs', parse: (t) => intOption(t, 'epochs', 1),
    onResume: (epochs, run) => {
      if (epochs < run.epochsDone) {
        throw new Error(`--epochs ${epochs}: the run in ${run.outDir} has already done ${run.epochsDone} epochs; give at least ${run.epochsDone}`);
      }
    },
  }),
  settingFlag({
    name: 'batch', arg: 'N', section: 'training', help: 'clips per forward pass (default 8)',
    setting: 'recipe.batchSize', parse: (t) => intOption(t, 'batch', 1),
  }),
  settingFlag({
    name: 'accumulate', arg: 'N', section: 'training',
    help: "forward passes per optimizer step (default 8 with real data: 64 clips, the paper's batch; 1 on the synthetic set)",
    setting: 'recipe.accumulate', parse: (t) => intOption(t, 'accumulate', 1),
  }),
  settingFlag({
    name: 'lr', arg: 'LR', section: 'training',
    help: `learning rate (default 0.01 x batch x accumulate / 64${syn.recipe.lr ? `; ${syn.recipe.lr} on the synthetic set` : ''})`,
    setting: 'recipe.lr', parse: (t) => positiveOption(t, 'lr'),
  }),
  settingFlag({
    name: 'attn-lr-factor', arg: 'F', section: 'training',
    help: `the attention blocks train at lr x F (default 1${syn.recipe.attentionLrFactor ? `; ${syn.recipe.attentionLrFactor} on the synthetic set` : ''})`,
    setting: 'recipe.attentionLrFactor', parse: (t) => positiveOption(t, 'attn-lr-factor'),
  }),
  settingFlag({
    name: 'decay-epochs', arg: 'E[,E]', section: 'training',
    help: `after these epochs the lr is x0.1 whatever the validation loss did (default none${syn.recipe.decayEpochs ? `; ${syn.recipe.decayEpochs.join(',')} on the synthetic set` : ''})`,
    setting: 'recipe.decayEpochs', parse: (t) => intListOption(t, 'decay-epochs', 1), savedDefault: [],
  }),
  settingFlag({
    name: 'seed', arg: 'N', section: 'training', help: 'seed of initialisation, sampling and dropout (default 0)',
    setting: 'seed', parse: (t) => intOption(t, 'seed'),
  }),
  // Decoding threads change how fast batches come, not which: a resumed run may use any number.
  commandFlag({
    name: 'workers', arg: 'N', section: 'run', help: 'frame-decoding threads (default 1); --resume takes any number',
    parse: (t) => intOption(t, 'workers'), onResume: 'any',
  }),
  // Where the kernels run changes the speed, and float32 results in their last bits, not the run.
  commandFlag({
    name: 'backend', arg: 'B', section: 'run',
    help: `${BACKENDS.join(' | ')}: where the kernels run (default auto: a hardware GPU, else the cpu backend)`,
    parse: (t) => choiceOption(t, 'backend', BACKENDS), onResume: 'any',
  }),
  commandFlag({ name: 'out', arg: 'DIR', section: 'run', help: 'checkpoints, metrics.jsonl and curves.png (default runs/<dataset>-<arch>)' }),
  commandFlag({ name: 'resume', section: 'run', help: 'continue the run in --out where it stopped, on its dataset and with its settings' }),
  commandFlag({ name: 'overwrite', section: 'run', help: 'start a new run in an --out that holds one, replacing it' }),
  commandFlag({ name: 'help', short: 'h', section: 'run', help: 'this text' }),
];

export interface GivenSetting {
  flag: Flag & { setting: SettingPath };
  value: unknown;
}

export interface ParsedFlags extends CommandOptions {
  /** The given flags that set run settings, with their checked values, in the table's order. */
  settings: GivenSetting[];
}

/** The command line checked against the table; every value is checked here, before any data is read. */
export function parseFlags(argv: string[]): ParsedFlags {
  const options = Object.fromEntries(
    FLAGS.map((f) => [f.name, { type: f.arg ? ('string' as const) : ('boolean' as const), ...(f.short ? { short: f.short } : {}) }]),
  );
  const { values } = parseArgs({ args: argv, options, strict: true });
  const settings: GivenSetting[] = [];
  const command: Record<string, unknown> = {};
  const checked = (flag: Flag, text: string): unknown => (flag.parse ? flag.parse(text) : text);
  for (const flag of FLAGS) {
    const text = values[flag.name];
    if (flag.setting) {
      if (typeof text === 'string') settings.push({ flag: flag as GivenSetting['flag'], value: checked(flag, text) });
    } else {
      // A switch is false when not given, a value flag undefined.
      command[flag.name] = !flag.arg ? text === true : typeof text === 'string' ? checked(flag, text) : undefined;
    }
  }
  // commandFlag typed each command flag's name as an option and its parse by that option's type.
  return { settings, ...(command as unknown as CommandOptions) };
}

/** The checks of a new run (see Flag.checkNewRun) of the given flags, in the table's order. */
export function checkNewRun(flags: ParsedFlags): void {
  for (const { flag, value } of flags.settings) flag.checkNewRun?.(value, flags);
}

/** The checked value of the flag that sets a setting, or undefined when it was not given. */
export function given<P extends SettingPath>(flags: ParsedFlags, setting: P): ValueAt<P> | undefined {
  // settingFlag typed each flag's parse by its setting, so the value found here has that setting's type.
  return flags.settings.find((s) => s.flag.setting === setting)?.value as ValueAt<P> | undefined;
}

/** The option lines of --help, by section. */
export function flagHelp(): string {
  const column = Math.max(...FLAGS.map((f) => `--${f.name} ${f.arg ?? ''}`.length)) + 1;
  const lines: string[] = [];
  for (const [section, title] of Object.entries(SECTIONS)) {
    lines.push(title);
    for (const f of FLAGS.filter((g) => g.section === section)) {
      lines.push(`  ${`--${f.name}${f.arg ? ` ${f.arg}` : ''}`.padEnd(column)}${f.help}`);
    }
  }
  return lines.join('\n');
}

/** The setting at a path (undefined where the object lacks it). */
export function getSetting(run: object, p: SettingPath): unknown {
  return p.split('.').reduce<unknown>((o, key) => (o as Record<string, unknown> | undefined)?.[key], run);
}

/** Writes each given flag's value at its setting's path. */
export function applySettings(run: object, given: GivenSetting[]): void {
  for (const { flag, value } of given) {
    const keys = flag.setting.split('.');
    const last = keys.pop() as string;
    const parent = keys.reduce<Record<string, unknown>>((o, key) => o[key] as Record<string, unknown>, run as Record<string, unknown>);
    parent[last] = value;
  }
}

export interface Contradiction {
  flag: Flag;
  given: unknown;
  saved: unknown;
}

/** The given flags whose value differs from the saved run's (those that may change on resume aside). */
export function contradictions(given: GivenSetting[], saved: RunSettings): Contradiction[] {
  return given
    .filter(({ flag }) => (flag.onResume ?? 'same') === 'same')
    .map(({ flag, value }) => ({ flag, given: value, saved: getSetting(saved, flag.setting) ?? flag.savedDefault }))
    // Values are numbers, strings or lists of numbers (--decay-epochs): compared by their JSON.
    .filter((c) => JSON.stringify(c.given) !== JSON.stringify(c.saved));
}

/**
 * The given flags that take a new value on --resume, each checked against the saved run (see OnResume):
 * what applySettings writes over the saved settings.
 */
export function newOnResume(given: GivenSetting[], run: ResumedRun): GivenSetting[] {
  return given.filter(({ flag, value }) => {
    if (typeof flag.onResume !== 'function') return false;
    flag.onResume(value, run);
    return true;
  });
}

/** A flag and its value as a user writes it ('--resize 20'), or 'no --pretrained' for a setting left out. */
export function asFlag(flag: Flag, value: unknown): string {
  return value === undefined ? `no --${flag.name}` : `--${flag.name} ${String(value)}`;
}
