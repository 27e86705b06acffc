// Scenarios: Lamport and vector clock operations, results written by hand. A vector clock is
// a list of [node, counter] pairs sorted by node (as u64), every counter > 0; anything else is
// refused with ClockError, as is a counter or time that would pass i64 max.
import { clocks, I64_MAX, type Scenario, U64_MAX } from '../scenario.ts';

const MAX = String(I64_MAX);
const HIGH = String(1n << 63n); // a node id that is negative as an i64: it must still sort after 1
const TOP = String(U64_MAX);
const E = 'ClockError';

export const clockScenarios: Scenario[] = [
  clocks({
    name: 'clock-lamport-tick',
    about: 'A Lamport tick adds one; at i64 max, or from a negative time, it is refused.',
    covers: ['clock', 'lamport', 'tick', 'overflow'],
    ops: [
      { op: 'lamportTick', t: '0', result: '1' },
      { op: 'lamportTick', t: '41', result: '42' },
      { op: 'lamportTick', t: String(I64_MAX - 1n), result: MAX },
      { op: 'lamportTick', t: MAX, error: E },
      { op: 'lamportTick', t: '-1', error: E },
    ],
  }),
  clocks({
    name: 'clock-lamport-merge',
    about: 'A Lamport merge is max(local, remote) + 1, refused on overflow or a negative input.',
    covers: ['clock', 'lamport', 'merge', 'overflow'],
    ops: [
      { op: 'lamportMerge', local: '3', remote: '9', result: '10' },
      { op: 'lamportMerge', local: '9', remote: '3', result: '10' },
      { op: 'lamportMerge', local: '4', remote: '4', result: '5' },
      { op: 'lamportMerge', local: '0', remote: '0', result: '1' },
      { op: 'lamportMerge', local: String(I64_MAX - 1n), remote: '0', result: MAX },
      { op: 'lamportMerge', local: MAX, remote: '0', error: E },
      { op: 'lamportMerge', local: '0', remote: MAX, error: E },
      { op: 'lamportMerge', local: '-1', remote: '5', error: E },
      { op: 'lamportMerge', local: '5', remote: '-1', error: E },
    ],
  }),
  clocks({
    name: 'clock-vc-tick',
    about: "A vector clock tick increments the node's counter, inserting the node in order when absent.",
    covers: ['clock', 'vector', 'tick'],
    ops: [
      { op: 'vcTick', clock: [], node: '1', result: [['1', '1']] },
      {
        op: 'vcTick',
        clock: [
          ['1', '1'],
          ['3', '2'],
        ],
        node: '2',
        result: [
          ['1', '1'],
          ['2', '1'],
          ['3', '2'],
        ],
      },
      {
        op: 'vcTick',
        clock: [
          ['1', '1'],
          ['3', '2'],
        ],
        node: '3',
        result: [
          ['1', '1'],
          ['3', '3'],
        ],
      },
      {
        op: 'vcTick',
        clock: [['1', '1']],
        node: '0',
        result: [
          ['0', '1'],
          ['1', '1'],
        ],
      },
      {
        op: 'vcTick',
        clock: [['1', '1']],
        node: TOP,
        result: [
          ['1', '1'],
          [TOP, '1'],
        ],
      },
      {
        op: 'vcTick',
        clock: [
          ['1', '1'],
          [TOP, '7'],
        ],
        node: TOP,
        result: [
          ['1', '1'],
          [TOP, '8'],
        ],
      },
    ],
  }),
  clocks({
    name: 'clock-vc-tick-overflow',
    about: 'A tick that would take a counter past i64 max is refused; other nodes of that clock still tick.',
    covers: ['clock', 'vector', 'tick', 'overflow'],
    ops: [
      { op: 'vcTick', clock: [['1', MAX]], node: '1', error: E },
      {
        op: 'vcTick',
        clock: [['1', MAX]],
        node: '2',
        result: [
          ['1', MAX],
          ['2', '1'],
        ],
      },
      { op: 'vcTick', clock: [['1', String(I64_MAX - 1n)]], node: '1', result: [['1', MAX]] },
    ],
  }),
  clocks({
    name: 'clock-vc-merge',
    about: 'A merge is the pointwise maximum, over the union of nodes, in node order.',
    covers: ['clock', 'vector', 'merge'],
    ops: [
      {
        op: 'vcMerge',
        a: [
          ['1', '2'],
          ['2', '5'],
        ],
        b: [
          ['1', '4'],
          ['2', '1'],
        ],
        result: [
          ['1', '4'],
          ['2', '5'],
        ],
      },
      {
        op: 'vcMerge',
        a: [
          ['1', '1'],
          ['5', '1'],
        ],
        b: [
          ['2', '3'],
          ['9', '9'],
        ],
        result: [
          ['1', '1'],
          ['2', '3'],
          ['5', '1'],
          ['9', '9'],
        ],
      },
      { op: 'vcMerge', a: [], b: [['4', '2']], result: [['4', '2']] },
      { op: 'vcMerge', a: [['4', '2']], b: [], result: [['4', '2']] },
      { op: 'vcMerge', a: [], b: [], result: [] },
      { op: 'vcMerge', a: [['3', MAX]], b: [['3', '1']], result: [['3', MAX]] },
    ],
  }),
  clocks({
    name: 'clock-vc-compare',
    about: 'Compare: equal, before (every entry <= and one <), after, or concurrent; an absent node counts as 0.',
    covers: ['clock', 'vector', 'compare'],
    ops: [
      { op: 'vcCompare', a: [], b: [], result: 'equal' },
      {
        op: 'vcCompare',
        a: [
          ['1', '2'],
          ['2', '3'],
        ],
        b: [
          ['1', '2'],
          ['2', '3'],
        ],
        result: 'equal',
      },
      { op: 'vcCompare', a: [['1', '1']], b: [['1', '2']], result: 'before' },
      { op: 'vcCompare', a: [], b: [['1', '1']], result: 'before' },
      {
        op: 'vcCompare',
        a: [['1', '2']],
        b: [
          ['1', '2'],
          ['2', '1'],
        ],
        result: 'before',
      },
      {
        op: 'vcCompare',
        a: [
          ['1', '3'],
          ['2', '1'],
        ],
        b: [['1', '2']],
        result: 'after',
      },
      { op: 'vcCompare', a: [['1', '1']], b: [['2', '1']], result: 'concurrent' },
      {
        op: 'vcCompare',
        a: [
          ['1', '2'],
          ['2', '1'],
        ],
        b: [
          ['1', '1'],
          ['2', '2'],
        ],
        result: 'concurrent',
      },
      {
        op: 'vcCompare',
        a: [['1', '5']],
        b: [
          ['1', '4'],
          ['3', '1'],
        ],
        result: 'concurrent',
      },
    ],
  }),
  clocks({
    name: 'clock-vc-unsigned-node-order',
    about: 'Nodes are ordered as unsigned 64-bit: 2^63 and u64 max sort after 1, never before.',
    covers: ['clock', 'vector', 'canonical', 'extreme'],
    ops: [
      {
        op: 'vcCompare',
        a: [
          ['1', '1'],
          [HIGH, '1'],
        ],
        b: [
          ['1', '1'],
          [HIGH, '2'],
        ],
        result: 'before',
      },
      {
        op: 'vcMerge',
        a: [[HIGH, '1']],
        b: [
          ['1', '1'],
          [TOP, '1'],
        ],
        result: [
          ['1', '1'],
          [HIGH, '1'],
          [TOP, '1'],
        ],
      },
      {
        op: 'vcTick',
        clock: [[HIGH, '1']],
        node: '2',
        result: [
          ['2', '1'],
          [HIGH, '1'],
        ],
      },
      {
        op: 'vcCompare',
        a: [
          [HIGH, '1'],
          ['1', '1'],
        ],
        b: [],
        error: E,
      },
    ],
  }),
  clocks({
    name: 'clock-vc-not-canonical',
    about: 'Unsorted nodes, a repeated node, a zero or negative counter: compare, merge and tick refuse such clocks.',
    covers: ['clock', 'vector', 'canonical', 'refuse'],
    ops: [
      {
        op: 'vcCompare',
        a: [
          ['2', '1'],
          ['1', '1'],
        ],
        b: [],
        error: E,
      },
      {
        op: 'vcCompare',
        a: [],
        b: [
          ['1', '1'],
          ['1', '2'],
        ],
        error: E,
      },
      { op: 'vcMerge', a: [['1', '0']], b: [['2', '1']], error: E },
      { op: 'vcMerge', a: [['1', '1']], b: [['2', '-4']], error: E },
      {
        op: 'vcTick',
        clock: [
          ['3', '1'],
          ['2', '1'],
        ],
        node: '1',
        error: E,
      },
      { op: 'vcTick', clock: [['1', '0']], node: '1', error: E },
    ],
  }),
  clocks({
    name: 'clock-vc-out-of-range',
    about: 'Entries outside u64 nodes and i64 counters are refused before they reach the core.',
    covers: ['clock', 'vector', 'refuse', 'extreme'],
    ops: [
      { op: 'vcCompare', a: [['-1', '1']], b: [], error: E },
      { op: 'vcCompare', a: [[String(1n << 64n), '1']], b: [], error: E },
      { op: 'vcMerge', a: [['1', String(1n << 63n)]], b: [], error: E },
      { op: 'vcTick', clock: [['1', String(1n << 63n)]], node: '1', error: E },
    ],
  }),
];
