// One GPS fix with its accuracy; errors become zh-CN messages the officer can act on.
export const WARN_ACCURACY_M = 50;

const MESSAGES = {
  1: '未获得定位权限：请在浏览器设置中允许定位，或手动填写地点后继续（记录将标注“无GPS”）',
  2: '无法获取定位（无卫星信号）：请到开阔处重试，或手动填写地点',
  3: '定位超时：请到开阔处重试，或手动填写地点',
};

export function getFix({ timeout = 15000 } = {}) {
  return new Promise((resolve, reject) => {
    if (!('geolocation' in navigator)) { reject(new Error('此设备不支持定位，请手动填写地点')); return; }
    navigator.geolocation.getCurrentPosition(
      (pos) => resolve({ lat: pos.coords.latitude, lon: pos.coords.longitude,
        accuracy_m: Math.round(pos.coords.accuracy), source: 'gps', device_time: new Date(pos.timestamp).toISOString() }),
      (err) => reject(new Error(MESSAGES[err.code] || `定位失败：${err.message}`)),
      { enableHighAccuracy: true, timeout, maximumAge: 0 });
  });
}

export function accuracyNote(fix) {
  if (!fix) return '';
  return fix.accuracy_m > WARN_ACCURACY_M
    ? `定位精度 ±${fix.accuracy_m} 米，超过 ${WARN_ACCURACY_M} 米，建议到开阔处重试`
    : `定位精度 ±${fix.accuracy_m} 米`;
}
