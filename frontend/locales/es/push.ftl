# Web Push: lo que muestra la pantalla bloqueada. Palabras neutras salvo que la persona elija "full".
push-neutral-title = Recordatorio
push-neutral-body = Tienes un mensaje nuevo. Ábrelo para leerlo.
push-neutral-urgent = Tienes un mensaje urgente. Ábrelo para leerlo ahora.
push-safe-by-nudge = ¿Llegaste bien a casa? Ábrelo para avisarnos.
push-not-yet-safe = Algunas personas aún no han avisado que llegaron. Ábrelo para ver quiénes.

# "Avisarme en este teléfono", en la página de gestión y en la consola en vivo.
push-heading = Avisarme en este teléfono
push-explain = Recibe en este teléfono las novedades de este evento, aunque esta página esté cerrada: anuncios, cambios de lugar, alertas de seguridad.
push-explain-organizer = Recibe en este teléfono las novedades en vivo de todos los eventos, aunque esta página esté cerrada, con las alertas de seguridad para quienes organizan.
push-privacy = Los avisos pasan por el servicio de notificaciones de tu navegador (Google, Apple, Mozilla o Microsoft). Ese servicio ve que se envió un mensaje a este teléfono y cuándo, nunca lo que dice: cada uno va cifrado solo para este teléfono. Salvo que elijas otra cosa abajo, la pantalla bloqueada muestra palabras neutras, no el mensaje.
push-tor = Tor Browser no puede recibir avisos.
push-full = Mostrar el mensaje en la pantalla bloqueada
push-on = Activar avisos
push-off = Desactivar avisos
push-on-done = Los avisos están activados en este teléfono.
push-off-done = Los avisos están desactivados en este teléfono.
push-unsupported = Este navegador no puede recibir avisos (Tor Browser nunca puede). En un iPhone, primero añade esta página a la pantalla de inicio y ábrela desde allí.
push-denied = Los avisos están bloqueados para este sitio en la configuración del navegador.
push-refused = El servicio de notificaciones de este navegador no es uno al que este sitio envíe.
push-failed = Algo salió mal. Inténtalo de nuevo.
push-needs-script = Los avisos necesitan JavaScript; todo lo demás de esta página funciona sin él.
