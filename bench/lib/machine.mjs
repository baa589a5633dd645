import os from 'node:os';
import { pinningAvailable } from './processes.mjs';

export function machineInfo() {
  const cpus = os.cpus();
  return {
    cpus: cpus.length,
    cpuModel: cpus[0]?.model ?? null,
    memoryGb: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    platform: `${os.platform()} ${os.release()}`,
    loadAverageAtStart: os.loadavg(),
    pinning: pinningAvailable ? 'taskset' : 'none (taskset not found)',
  };
}
