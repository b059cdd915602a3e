# Las páginas de la organización bajo /organize.

login-title = Iniciar sesión
login-heading = Iniciar sesión para organizar
login-handle = Alias
login-password = Contraseña
login-submit = Iniciar sesión
login-lost-password = ¿Perdiste tu contraseña? Pide a una persona administradora de tu grupo que te dé acceso de nuevo.
login-refused = Ese alias y esa contraseña no coinciden.
login-too-many = { $count ->
    [one] Demasiados intentos. Espera { $count } segundo y vuelve a intentarlo.
   *[other] Demasiados intentos. Espera { $count } segundos y vuelve a intentarlo.
}
login-code-title = Iniciar sesión: segundo paso
login-code-as = Entrando como
login-code-explain = Abre tu aplicación de autenticación y escribe el código que muestra para Umbrella.
login-code-label = Código
login-code-hint = Seis cifras. ¿Perdiste el teléfono? Escribe uno de tus códigos de recuperación; cada uno sirve una vez.
login-code-restart = Empezar de nuevo
login-code-refused = Ese código no funcionó. Usa el código actual de tu aplicación, o un código de recuperación sin usar.

password-title = Elige una contraseña nueva
password-first-time = Entraste con una contraseña de un solo uso. Elige la tuya para continuar.
password-new = Contraseña nueva
password-hint = Al menos { $count } caracteres. Unas cuantas palabras sin relación funcionan bien.
password-again = Escríbela otra vez
password-save = Guardar contraseña
password-mismatch = Las dos contraseñas no son iguales.
password-current = Tu contraseña actual
password-one-time = La contraseña de un solo uso con la que entraste
password-code = Un código de tu aplicación, o un código de recuperación sin usar
password-others-end = Tus otras sesiones se cierran al guardarla.
password-current-refused = Esa no es tu contraseña.
password-code-refused = Ese código no funcionó. Usa el código actual de tu aplicación, o un código de recuperación sin usar.

dashboard-title = Panel
dashboard-new-event = Evento nuevo
dashboard-account = Tu cuenta y el inicio de sesión en dos pasos
dashboard-upcoming = Próximos
dashboard-nothing = No hay nada programado.
dashboard-under-way = En curso
dashboard-today = Más tarde hoy

organize-edit-event = Editar el evento
organize-public-page = Página pública

editor-new-title = Evento nuevo
editor-copy-title = Evento nuevo: copia de { $title }
editor-copied = Rellenado a partir de “{ $title }”: todo menos la fecha. Sus asistencias y avisos se quedan con él. No se guarda nada hasta que elijas una fecha y guardes.
editor-copied-back = Volver al original
editor-edit-title = Editar: { $title }
editor-saved = Guardado.
editor-cancelled-more = Los cambios siguen llegando a quienes lo siguen.
editor-what = Qué
editor-kind = Tipo
editor-title = Título
editor-title-hint = Se muestra en la página del evento.
editor-cover-title = Título discreto (opcional)
editor-cover-title-hint = Un nombre neutro que se usa en lugar del título en correos y calendarios, p. ej. "Quedada del sábado".
editor-description = Descripción
editor-description-hint = Markdown: **negrita**, *cursiva*, [enlaces](https://…), listas. Las imágenes no se muestran.
editor-tags = Etiquetas (opcional)
editor-tags-hint = Separadas por comas, p. ej. legal, reducción de daños.
editor-language = Idioma del evento
editor-language-hint = El idioma en que se celebra el evento.
editor-when = Cuándo
editor-zone = Hora de { $zone }
editor-starts = Empieza
editor-ends = Termina
editor-reminders = Recordatorios por correo, horas antes del inicio
editor-reminders-hint = Separados por comas, p. ej. 24, 2. Déjalo vacío para ninguno.
editor-where = Dónde
editor-location = Lugar
editor-privacy = Quién ve el lugar
editor-reveal-at = Compartir el lugar con asistentes a partir de
editor-safe-by = Todo el mundo en casa y bien a las (solo acciones, opcional)
editor-safe-by-hint = A esta hora, quien llegó y no tocó "Estoy en casa y bien" recibe un aviso, y la organización y el apoyo carcelario ven quién falta. Déjalo vacío para no comprobarlo.
editor-accessibility = Notas de accesibilidad
editor-accessibility-hint = Lengua de signos, acceso sin escalones, cuidado infantil, sala tranquila, baños…
editor-who = Quién
editor-visibility = Listado
editor-capacity = Aforo (opcional)
editor-capacity-hint = Plazas, acompañantes incluidos. Déjalo vacío si no hay límite.
editor-count-display = El público ve cuántas personas van como
editor-approval = La organización aprueba cada asistencia
editor-roles = Roles del día que pueden elegir las personas asistentes
editor-on-the-day = El día del evento
editor-on-the-day-hint = Sobre todo para acciones: lo que la gente puede hacer ese día.
editor-save = Guardar evento
editor-rsvps = Asistencias
editor-see-public = Ver la página pública
editor-cancel-heading = Cancelar este evento
editor-cancel-explain = El evento sigue visible, marcado como cancelado. No se puede deshacer.
editor-cancel-confirm = Sí, cancelar este evento
editor-cancel = Cancelar evento

rsvps-title = Asistencias: { $title }
rsvps-places-of = { $taken } plazas de { $capacity }
rsvps-going-as = Van como { $role }
rsvps-none = Todavía no hay asistencias.
rsvps-caption = Asistencias, de la más antigua a la más nueva
rsvps-needs = Necesidades
rsvps-email = Correo
rsvps-decide = Decidir
rsvps-approved = aprobada
rsvps-approve = Aprobar
rsvps-decline = Rechazar

console-title = Consola en directo
console-public-page = Página pública en directo
console-following = Siguiendo ahora
console-checked-in = Han llegado
console-safe = En casa y bien
console-not-yet-safe = Aún sin avisar de que están bien
console-post = Publicar una actualización
console-kind = Tipo
console-kind-location = Cambio de lugar o de recorrido
console-audience = Quién la recibe (elige una opción)
console-audience-public = Todas las personas que siguen
console-audience-attendees = Las personas que van
console-audience-responders = Quienes responden (organización, primeros auxilios, observación legal, apoyo carcelario)
console-email = Enviarla también por correo a todas las personas de este público que dejaron una dirección
console-email-hint = El asunto es neutral. Solo un mensaje para todas las personas que siguen lleva sus palabras; para cualquier otro público el correo dice que hay un mensaje y enlaza a la página de cada persona.
console-safe-by = Todo el mundo debería estar en casa y bien a las { $time }.
console-safe-by-passed = Pasadas las { $time }: aún sin avisar de que están bien
console-all-safe = Todas las personas que llegaron avisaron de que están bien.
console-help = Pidieron ayuda
console-help-none = Nadie ha pedido ayuda.
console-text = Mensaje
console-location = Nuevo lugar (para un cambio de lugar)
console-send = Enviar actualización
console-sent = Enviadas hasta ahora

account-title = Tu cuenta
account-change-password = Cambiar tu contraseña
account-totp = Inicio de sesión en dos pasos
account-recovery-codes = Tus códigos de recuperación
account-recovery-once = Apúntalos o imprime esta página ahora: solo se muestran esta vez.
account-recovery-explain = Cada uno te deja entrar una vez si pierdes el teléfono.
account-totp-on = Activado. Al iniciar sesión se pide un código de tu aplicación de autenticación después de la contraseña.
account-codes-left = { $count ->
    [one] Queda { $count } código de recuperación.
   *[other] Quedan { $count } códigos de recuperación.
}
account-tokens-hint = Los tokens de la API no cambian: un token funciona por sí solo. Guárdalos tan bien como tu contraseña.
account-totp-off-heading = Desactivar el inicio de sesión en dos pasos
account-totp-off-explain = Escribe tu contraseña y un código actual o un código de recuperación sin usar.
account-turn-off = Desactivar
account-setup-explain = Añade Umbrella a una aplicación de autenticación en tu teléfono (por ejemplo Aegis, Raivo o tu gestor de contraseñas) y escribe el código que muestra para terminar.
account-scan = Escanea esto con la aplicación,
account-type-key = o escribe esta clave en la aplicación (basada en tiempo):
account-setup-link = Enlace de configuración
account-code = Código de la aplicación
account-turn-on = Activar el inicio de sesión en dos pasos
account-totp-off = Desactivado. Activado, para entrar también hace falta un código de una aplicación de tu teléfono, así que una contraseña robada no basta.
account-set-up = Configurar el inicio de sesión en dos pasos
account-totp-on-done = El inicio de sesión en dos pasos está activado.
account-totp-off-done = El inicio de sesión en dos pasos está desactivado.
account-code-refused = Ese código no funcionó. Escribe el código que muestra ahora la aplicación.

organizers-title = Organización
organizers-explain = Desactivar a alguien cierra todas sus sesiones y detiene sus tokens de la API al momento; activarle de nuevo le deja entrar con su contraseña. Las cuentas nuevas se crean en la línea de comandos:
organizers-caption = Cuentas de organización por alias
organizers-tokens = Tokens de la API
organizers-since = Desde
organizers-actions = Acciones
organizers-you = tú
organizers-disabled = desactivada
organizers-active = activa
organizers-enable = Activar
organizers-disable = Desactivar
organizers-revoke = Revocar tokens de la API
organizers-done-disabled = Desactivada: sus sesiones se cerraron y sus tokens de la API ya no funcionan.
organizers-done-enabled = Activada: puede volver a entrar.
organizers-done-revoked = Sus tokens de la API están revocados.
organizer-role-admin = administración
organizer-role-organizer = organización

audit-title = Registro de auditoría
audit-explain = Lo que hizo la organización, lo más reciente primero. Nombra cuentas de organización y eventos, nunca asistentes.
audit-empty = No hay nada aquí.
audit-empty-page = No hay nada en esta página.
audit-caption = Registro de auditoría, lo más reciente primero, página { $count }
audit-who = Quién
audit-what = Qué
audit-on = Sobre
audit-newer = Más recientes
audit-older = Más antiguas
audit-command-line = línea de comandos
audit-target-event = evento
audit-target-organizer = cuenta
audit-event_created = Creó un evento
audit-event_edited = Editó un evento
audit-event_cancelled = Canceló un evento
audit-update_posted = Publicó una actualización en directo
audit-rsvp_approved = Aprobó una asistencia
audit-rsvp_declined = Rechazó una asistencia
audit-organizer_created = Creó una cuenta de organización
audit-organizer_disabled = Desactivó una cuenta de organización
audit-organizer_enabled = Activó una cuenta de organización
audit-token_created = Creó un token de la API
audit-tokens_revoked = Revocó tokens de la API
audit-totp_enabled = Activó el inicio de sesión en dos pasos
audit-totp_disabled = Desactivó el inicio de sesión en dos pasos

tally-going = { $count ->
    [one] va { $count }
   *[other] van { $count }
}
tally-waitlisted = { $count } en lista de espera
tally-pending = { $count ->
    [one] { $count } espera una decisión
   *[other] { $count } esperan una decisión
}
tally-places-left = { $count ->
    [one] queda { $count } plaza
   *[other] quedan { $count } plazas
}
tally-went = { $count ->
    [one] fue { $count }
   *[other] fueron { $count }
}
tally-checked-in = { $count ->
    [one] { $count } llegó
   *[other] { $count } llegaron
}
tally-home-safe = { $count ->
    [one] { $count } llegó a casa
   *[other] { $count } llegaron a casa
}

hub-title = Centro del evento
hub-actions = Este evento
hub-copy = Copiar en un evento nuevo
hub-ended = Terminado
hub-counts = Cifras
hub-places-left = Plazas libres
hub-pending = Esperan una decisión
hub-pending-none = Nadie espera una decisión.
hub-guests = { $count ->
    [one] { $count } acompañante
   *[other] { $count } acompañantes
}
hub-essentials = Lo esencial
hub-tools = Herramientas de este evento
hub-tool-public-page = Página pública
hub-tool-public-live = Página pública en directo
hub-tool-calendar = Archivo de calendario (.ics)
hub-changes = Cambios de la organización

past-title = Eventos pasados
past-explain = Lo que ocurrió, del más reciente al más antiguo. Cuando la purga ha borrado los datos personales solo quedan cifras: cuántas personas fueron, llegaron y volvieron a casa.
past-none = Todavía no ha terminado ningún evento.
past-newer = Más recientes
past-older = Más antiguos
# Door links
door-links-nav = Enlaces para la puerta
door-links-title = Enlaces para la puerta: { $title }
door-links-explain = Un enlace para la puerta permite a una persona voluntaria en la entrada ver quién va (solo nombres, acompañantes y roles, nunca necesidades ni correos) y marcar la llegada de cada persona, sin cuenta. Deja de funcionar cuando caduca o cuando lo revocas.
door-links-new = Un enlace nuevo para la puerta.
door-links-new-once = Cópialo ahora: solo se muestra esta vez. Quien lo tenga puede ver la lista de nombres.
door-links-link-label = Enlace para la puerta
door-links-expires-label = Funciona hasta (opcional)
door-links-expires-hint = Déjalo vacío para { $when }: dos horas después de que termine el evento.
door-links-make = Crear un enlace para la puerta
door-links-manage = Ver y revocar enlaces para la puerta
door-links-heading = Enlaces creados
door-links-none = Todavía no hay enlaces para la puerta.
door-links-made = Creado { $when }
door-links-until = funciona hasta { $when }
door-links-expired = caducó { $when }
door-links-revoke = Revocar
door-links-revoked = El enlace está revocado: desde ahora no abre nada.
rsvps-reconfirmed = Siguen pensando venir
rsvps-reconfirmed-of = { $reconfirmed } de { $going } que van lo confirmaron
rsvps-still-coming = sigue pensando venir
audit-door_link_created = Creó un enlace para la puerta
audit-door_link_revoked = Revocó un enlace para la puerta
audit-invite_created = Creó un código de invitación
audit-invite_revoked = Revocó un código de invitación
invites-nav = Códigos de invitación
invites-title = Códigos de invitación: { $title }
invites-explain = Un código de invitación permite ver un evento solo con invitación y confirmar asistencia. Da cada código, o su enlace, solo a las personas para quienes es el espacio. Un código sirve para tantas confirmaciones como permitas, hasta que caduque o lo revoques.
invites-event-open = Este evento está abierto a todo el mundo: los códigos solo cuentan cuando lo hagas solo con invitación en su configuración.
invites-new = Un código de invitación nuevo.
invites-new-once = Cópialo ahora: solo se muestra esta vez.
invites-code-label = Código de invitación
invites-link-label = Enlace de invitación
invites-uses-label = Cuántas confirmaciones admite (opcional)
invites-uses-hint = Déjalo vacío para que no tenga límite.
invites-expires-label = Funciona hasta (opcional)
invites-expires-hint = Déjalo vacío para un código que no caduca.
invites-make = Crear un código de invitación
invites-heading = Códigos creados
invites-none = Todavía no hay códigos de invitación.
invites-made = Creado { $when }
invites-until = funciona hasta { $when }
invites-uses-left = { $count ->
    [one] queda 1 uso
   *[other] quedan { $count } usos
}
invites-no-limit = sin límite
invites-revoke = Revocar
invites-revoked = El código está revocado: desde ahora no admite a nadie.
invite-closed-unknown = desconocido
invite-closed-used_up = agotado
invite-closed-expired = caducado
invite-closed-revoked = revocado
access-open = Abierto: cualquiera puede confirmar
access-invite = Solo con invitación: hace falta un código
editor-access = Quién puede confirmar
editor-access-hint = Un evento solo con invitación nunca aparece en listas ni en feeds; sin código, su página solo muestra el título discreto, la hora y para quién es.
editor-who-for = Para quién es este espacio (opcional)
editor-who-for-hint = Una línea, de hasta 280 caracteres, que se muestra en la página del evento aun sin código, por ejemplo "Solo trabajadoras sexuales y extrabajadoras sexuales".
editor-questions = Preguntas para quienes confirman (opcional)
editor-questions-hint = Hasta cinco. Las respuestas se guardan cifradas, solo las ven las organizadoras y se borran con la confirmación. Deja vacío el texto de una pregunta para quitarla.
editor-question-n = Pregunta { $count }
editor-question-label = Pregunta
editor-question-kind = Se responde con
editor-question-options = Opciones (para elegir una)
editor-question-options-hint = Una opción por línea, de dos a diez.
editor-question-required = ¿Obligatoria?
editor-question-optional = (opcional)
question-kind-text = Texto
question-kind-choice = Una opción
question-kind-yes_no = Sí o no
rsvps-answers = Respuestas

## Series y cupos por rol
repeat-legend = Repetir
repeat-hint = Crea una serie: cada fecha es un evento propio, con sus asistencias, plazas y revelación del lugar, a la misma hora del día.
repeat-none = No se repite
repeat-daily = Cada día
repeat-weekly = Cada semana
repeat-monthly = Cada mes (el mismo día del mes, o el último día del mes)
repeat-frequency = Con qué frecuencia
repeat-interval = Cada
repeat-interval-hint = 1 para cada semana (o día, o mes), 2 para una sí y una no.
repeat-count = Número de fechas
repeat-count-hint = Como mucho 52. Déjalo vacío si indicas una última fecha.
repeat-until = Última fecha
repeat-until-hint = Déjalo vacío si indicas un número de fechas.
editor-roles-needed = Personas necesarias en cada rol
editor-roles-needed-hint = Metas, no límites: se muestran en la página del evento y en el formulario, y el panel te avisa 48 horas antes si falta gente en un rol. Solo para los roles ofrecidos arriba.
editor-role-needed = { $role }: personas necesarias
scope-legend = Guardar los cambios en
scope-cancel-legend = Cancelar
scope-one = Solo esta fecha
scope-following = Esta fecha y las siguientes
series-heading = Fechas de esta serie
series-explain = Cada fecha tiene sus propias asistencias, lugar y hora de revelación. Elige una fecha para cambiar solo esa; un lugar nuevo solo se avisa a las asistencias de esa fecha.
dashboard-roles-short = Roles sin cubrir:
