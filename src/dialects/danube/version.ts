/** The Danube Cloud version Nube answers as (es_version header, /system/version/, callbacks' User-Agent). */
export const ES_VERSION = '4.6';
